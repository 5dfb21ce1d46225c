/** Validates sandbox answers against the response schema of their operation in Twilio's OpenAPI spec. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

const spec = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/twilio-oai/twilio_api_v2010.json'), 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: 'twilio', components: fixNullable(spec.components) });

const templates = Object.keys(spec.paths).map((template: string) => ({
  template,
  pattern: new RegExp('^' + template.replace(/\./g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
}));
const cache = new Map<string, ValidateFunction>();

// The spec says `nullable: true` on a few schemas without a `type` (any value); Ajv refuses that form.
function fixNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fixNullable);
  if (node && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    const out = Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fixNullable(v)]));
    if (out.nullable && out.type === undefined && out.$ref === undefined) delete out.nullable;
    return out;
  }
  return node;
}

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace(/^#/, 'twilio#') : rewriteRefs(v)]));
  }
  return node;
}

/** Problems with an answer, or [] when it fits the spec. Throws when the spec has no such operation. */
export function schemaProblems(method: string, urlPath: string, status: number, body: unknown): string[] {
  const candidates = templates.filter((t) => t.pattern.test(urlPath));
  // The most specific template: the one with the fewest parameters.
  const match = candidates.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))[0];
  if (!match) throw new Error(`no operation in the spec for ${method} ${urlPath}`);
  const op = spec.paths[match.template][method.toLowerCase()];
  if (!op) throw new Error(`the spec has no ${method} for ${match.template}`);
  const response = op.responses[String(status)];
  if (!response) return status >= 400 ? [] : [`the spec has no ${status} answer for ${method} ${match.template}`];
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return [];
  const key = `${method} ${match.template} ${status}`;
  let validate = cache.get(key);
  if (!validate) cache.set(key, (validate = ajv.compile(fixNullable(rewriteRefs(schema)) as object)));
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${key}: ${e.instancePath} ${e.message}`);
}
