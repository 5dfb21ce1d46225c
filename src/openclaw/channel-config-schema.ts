/**
 * `channels.telephony` as a JSON Schema, for the plugin manifest (openclaw.plugin.json
 * `channelConfigs.telephony.schema`, written by `npm run manifest`). OpenClaw checks the section
 * against it without loading any plugin code: `openclaw config validate`, `openclaw doctor` (offline,
 * Gateway or not) and the Gateway's start-up name each problem by its key. That is how `openclaw doctor`
 * reports this channel's configuration: OpenClaw 2026.9.6's doctor reads a non-bundled channel's doctor
 * hooks only from a setup entry, and a setup entry costs every `openclaw` command a copy of this package
 * and its dependencies (see docs/ARCHITECTURE.md, OpenClaw plugin).
 *
 * Built from the same schema as this project's own validation (config/schema.ts), and never stricter:
 * a file `openclaw telephony config validate` accepts, OpenClaw accepts. What JSON Schema cannot say
 * (placeholders copied from a guide, a secret written in the file, "open" confirmed by "*" in allowFrom,
 * which may come from the environment) stays with `openclaw telephony config validate` and `doctor`.
 * No defaults: OpenClaw would write them into the configuration it hands the channel.
 */
import { type GroupSpec, type LeafSpec, TELEPHONY_SCHEMA } from '../config/schema.js';
import { E164, HTTP_URL, sidPattern } from '../config/validate.js';

type JsonSchema = Record<string, unknown>;

/** An OpenClaw SecretRef, as secrets/secret-ref.ts accepts it in place of a secret. */
const SECRET_REF: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['source', 'provider', 'id'],
  properties: {
    source: { type: 'string', enum: ['env', 'file', 'exec', 'store'] },
    provider: { type: 'string', minLength: 1 },
    id: { type: 'string', minLength: 1 },
  },
};

const range = (spec: LeafSpec) => ({ ...(spec.min !== undefined ? { minimum: spec.min } : {}), ...(spec.max !== undefined ? { maximum: spec.max } : {}) });

function valueSchema(spec: LeafSpec): JsonSchema {
  switch (spec.kind) {
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer', ...range(spec) };
    case 'number':
      return { type: 'number', ...range(spec) };
    case 'enum':
      return { type: 'string', enum: [...spec.values!] };
    case 'e164':
      return { type: 'string', pattern: E164.source };
    case 'e164List':
      return { type: 'array', items: spec.wildcard ? { anyOf: [{ type: 'string', pattern: E164.source }, { const: '*' }] } : { type: 'string', pattern: E164.source } };
    case 'stringList':
      return { type: 'array', items: { type: 'string' } };
    case 'command':
      return { anyOf: [{ type: 'array', minItems: 1, items: { type: 'string' } }, { type: 'string', minLength: 1 }] };
    case 'sid':
      return { type: 'string', pattern: sidPattern(spec.sidPrefix!).source };
    case 'url':
      return { type: 'string', pattern: HTTP_URL.source };
    default:
      return { type: 'string' };
  }
}

function leafSchema(spec: LeafSpec): JsonSchema {
  const value = valueSchema(spec);
  // A secret may be a SecretRef instead of its value.
  return { description: spec.description, ...(spec.secret ? { anyOf: [value, SECRET_REF] } : value) };
}

function groupSchema(spec: GroupSpec): JsonSchema {
  const properties = Object.fromEntries(Object.entries(spec.children).map(([key, child]) => [key, child.kind === 'group' ? groupSchema(child) : leafSchema(child)]));
  return { type: 'object', description: spec.description, additionalProperties: false, properties };
}

/** The whole section: its keys, and `profiles`, named overlays of the same keys. */
export function telephonyChannelJsonSchema(): JsonSchema {
  const section = groupSchema(TELEPHONY_SCHEMA);
  const properties = section.properties as Record<string, JsonSchema>;
  const overlay = { ...section, description: 'A named profile: the same keys, laid over the section by --telephony-profile.' };
  return { ...section, properties: { ...properties, profiles: { type: 'object', description: 'Named profiles (overlays of these keys).', additionalProperties: overlay } } };
}
