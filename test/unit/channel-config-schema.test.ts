/**
 * channels.telephony as OpenClaw checks it (openclaw.plugin.json `channelConfigs.telephony.schema`):
 * generated from this project's schema, kept in the manifest, and never stricter than this project's
 * own validation, which OpenClaw's refusal would otherwise override (it stops the Gateway on an
 * invalid section). Checked here with Ajv; test/openclaw/plugin.test.ts runs OpenClaw's own validator.
 */
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listLeaves, type LeafSpec } from '../../src/config/schema.js';
import { validateTelephony } from '../../src/config/validate.js';
import { telephonyChannelJsonSchema } from '../../src/openclaw/channel-config-schema.js';

const repo = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(repo, 'openclaw.plugin.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(telephonyChannelJsonSchema());

/** Where each side finds an error (dotted, below channels.telephony; a list's, not its item's); empty when the section is accepted. */
const ours = (section: unknown) => [...new Set(validateTelephony(section).filter((p) => p.severity === 'error').map((p) => p.path))].sort();
const openclaws = (section: unknown) => {
  if (validate(section)) return [];
  const paths = validate.errors!.map((e) => [e.instancePath.slice(1).replaceAll('/', '.'), (e.params as { additionalProperty?: string }).additionalProperty].filter(Boolean).join('.').replace(/\.\d+(?=\.|$)/g, ''));
  return [...new Set(paths)].sort();
};

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
  return target;
}

/** A value each kind of leaf accepts. */
function goodValue(spec: LeafSpec): unknown {
  if (spec.default !== undefined && spec.default !== null) return spec.default;
  const byKind: Record<string, unknown> = {
    boolean: true,
    integer: spec.min ?? 1,
    number: spec.min ?? 1,
    enum: spec.values?.[0],
    e164: '+15550001234',
    e164List: ['+15550001234'],
    stringList: ['a value'],
    sid: `${spec.sidPrefix}${'0123456789abcdef'.repeat(2)}`,
    url: 'https://example.com',
    storeUrl: 'postgres://db.internal/openclaw',
    string: 'a value',
    command: ['python', 'agent.py'],
  };
  return byKind[spec.kind];
}

describe('channels.telephony as OpenClaw validates it', () => {
  it('is the schema the manifest carries (regenerate with `npm run manifest`)', () => {
    expect(manifest.channelConfigs.telephony.schema).toEqual(telephonyChannelJsonSchema());
  });

  it('has no defaults, which OpenClaw would write into the configuration it hands the channel', () => {
    expect(JSON.stringify(telephonyChannelJsonSchema())).not.toContain('"default"');
  });

  it('accepts what this project accepts: every key set, SecretRefs, "*", a profile', () => {
    const full: Record<string, unknown> = {};
    for (const { path: p, spec } of listLeaves()) setPath(full, p, goodValue(spec));
    const samples: unknown[] = [
      {},
      full,
      { ...full, profiles: { work: { fromNumber: '+15550009999', twilio: { authToken: { source: 'env', provider: 'default', id: 'WORK_TOKEN' } } } } },
      { twilio: { authToken: { source: 'exec', provider: 'vault', id: 'twilio/token' } }, agent: { token: { source: 'file', provider: 'f', id: 'agent' } } },
      { inboundPolicy: 'open', allowFrom: ['*', '+15550001234'] },
      // A secret in the file is a warning here (move it to the credential store), not an error.
      { twilio: { authToken: 'a token in the file' } },
    ];
    for (const section of samples) {
      expect(ours(section), JSON.stringify(section)).toEqual([]);
      expect(openclaws(section), JSON.stringify(section)).toEqual([]);
    }
  });

  it('refuses what this project refuses, at the same key', () => {
    const bad: [string, unknown][] = [
      ['fromNumber', '5550001234'],
      ['inboundPolicy', 'everyone'],
      ['allowFrom', ['+1555']],
      ['enabled', 'yes'],
      ['twilio.accountSid', 'AC123'],
      ['twilio.messagingServiceSid', 'AC0123456789abcdef0123456789abcdef'],
      ['twilio.authToken', { source: 'vault', provider: 'default', id: 'X' }],
      ['twilio.apiBaseUrl', 'ftp://example.com'],
      ['sms.maxLength', 5000],
      ['sms.maxLength', 1.5],
      ['sms.rate', 0],
      ['agent.env', 'A=1'],
      ['publicUrl', 'gateway.example.com'],
      ['fromNumbr', '+15550001234'],
      ['twilio.authTokn', 'a token'],
      ['voice.maxDurationSeconds', 60],
      ['profiles.work.sms.maxLength', 0],
      ['profiles.work.profiles', {}],
    ];
    for (const [key, value] of bad) {
      const section = setPath({}, key, value);
      expect(ours(section), key).toEqual([key]);
      // At the key, or inside it (the branch of a SecretRef that did not fit).
      const paths = openclaws(section);
      expect(paths.length, key).toBeGreaterThan(0);
      for (const p of paths) expect(p === key || p.startsWith(`${key}.`), `${key}: ${p}`).toBe(true);
    }
    expect(openclaws({ twilio: 'AC0123' })).toEqual(['twilio']);
    expect(ours({ twilio: 'AC0123' })).toEqual(['twilio']);
  });
});
