import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { validateTelephony } from '../../src/config/validate.js';
import { ConfigError } from '../../src/errors.js';

const FULL = path.resolve(__dirname, '../fixtures/setup-guide-full.json5');

function writeConfig(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-cfg-'));
  const file = path.join(dir, 'openclaw.config.json5');
  writeFileSync(file, text);
  return { dir, file };
}

const env = { XDG_CONFIG_HOME: '/nonexistent-config', XDG_DATA_HOME: os.tmpdir() };

describe('configuration', () => {
  it("validates the setup guide's full example and resolves its values", async () => {
    const r = await resolveConfig({ configFile: FULL, env });
    expect(r.problems).toEqual([]);
    expect(r.config.fromNumber).toBe('+15550001234');
    expect(r.config.twilio.messagingServiceSid).toBe('MG1e2d3c4b5a69788796a5b4c3d2e1f0a9');
    expect(r.config.sms.segmentNumbering).toBe(true);
    expect(r.sources['serve.port']).toBe('file');
    expect(r.sources['skipSignatureVerification']).toBe('file');
  });

  it('fills defaults when there is no file', async () => {
    const { dir } = writeConfig('{}');
    const r = await resolveConfig({ cwd: dir, env });
    expect(r.config.inboundPolicy).toBe('pairing');
    expect(r.config.serve).toEqual({ port: 3335, bind: '127.0.0.1', path: '/telephony/webhook', voicePath: '/telephony/voice', statusPath: '/telephony/status', mediaPath: '/telephony/media', inboundLimits: { windowSeconds: 60, perSender: 30, total: 300, failedRequests: 300, statusCallbacks: 3000 } });
    expect(r.config.sms.maxLength).toBe(1600);
    expect(r.config.maxConcurrentSessions).toBe(50);
    expect(r.sources['serve.port']).toBe('default');
  });

  it('is frozen once resolved: a write throws instead of changing what others read', async () => {
    const r = await resolveConfig({ configFile: FULL, env });
    const config = r.config as unknown as { serve: { port: number }; twilio: { apiBaseUrl?: string }; allowFrom: string[] };
    expect(() => (config.serve.port = 1)).toThrow(TypeError);
    expect(() => (config.twilio.apiBaseUrl = 'http://127.0.0.1:1')).toThrow(TypeError);
    expect(() => config.allowFrom.push('+15550009999')).toThrow(TypeError);
    expect(r.config.serve.port).toBe(3335);
    expect(r.config.allowFrom).toEqual(['+15550005678', '+447700900123']);
    expect(() => ((r.sources as Record<string, string>)['serve.port'] = 'keychain')).toThrow(TypeError);
  });

  it('names a misspelt key with its line and a suggestion', async () => {
    const { file } = writeConfig('{\n  channels: {\n    telephony: {\n      inboundPolcy: "open",\n    },\n  },\n}\n');
    const err = await resolveConfig({ configFile: file, env }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`${file}:4:7`);
    expect(err.message).toContain('did you mean "inboundPolicy"?');
    expect(err.exitCode).toBe(3);
  });

  it('gives the line and column of a JSON5 syntax error', async () => {
    const { file } = writeConfig('{\n  channels: {\n    telephony: {\n      fromNumber: "+15550001234"\n      enabled: true,\n    },\n  },\n}\n');
    const err = await resolveConfig({ configFile: file, env }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(new RegExp(`${file.replace(/[.\\/]/g, '\\$&')}:5:\\d+: syntax error`));
  });

  it('reports a placeholder as a placeholder', () => {
    const problems = validateTelephony({ twilio: { accountSid: 'ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' } });
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toContain('placeholder');
    expect(problems[0].path).toBe('twilio.accountSid');
  });

  it('explains wrong types, ranges and enums with the expected form', () => {
    const problems = validateTelephony({ sms: { maxLength: 2000, chunkMode: 'words' }, fromNumber: '555-1234', allowFrom: ['+15550005678', 'x'] });
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath['sms.maxLength']).toContain('out of range');
    expect(byPath['sms.chunkMode']).toContain('one of "auto", "length", "newline", "off"');
    expect(byPath['fromNumber']).toContain('E.164');
    expect(byPath['allowFrom']).toBeDefined();
  });

  it('refuses a provider other than Twilio, saying this plugin speaks Twilio only', () => {
    const [problem] = validateTelephony({ provider: 'telnyx' });
    expect(problem).toMatchObject({ severity: 'error', path: 'provider', message: expect.stringContaining('"twilio"'), hint: expect.stringContaining('Twilio only') });
    expect(validateTelephony({ provider: 'twilio' })).toEqual([]);
  });

  it('names voice.maxDurationSeconds as a removed setting (nothing read it), in a profile too', () => {
    const problems = validateTelephony({ voice: { enabled: true, maxDurationSeconds: 300 }, profiles: { work: { voice: { maxDurationSeconds: 60 } } } });
    expect(problems.map((p) => p.path)).toEqual(['voice.maxDurationSeconds', 'profiles.work.voice.maxDurationSeconds']);
    for (const p of problems) expect(p).toMatchObject({ severity: 'error', message: expect.stringContaining('no longer a setting'), hint: 'Delete it from the file.' });
  });

  it('warns about a secret written in plain text', () => {
    const problems = validateTelephony({ twilio: { authToken: '0123456789abcdef0123456789abcdef' } });
    expect(problems).toEqual([expect.objectContaining({ severity: 'warning', path: 'twilio.authToken' })]);
  });

  it('applies environment overrides over the file, with well-known and generic names', async () => {
    const r = await resolveConfig({
      configFile: FULL,
      env: { ...env, TWILIO_PHONE_NUMBER: '+15550009999', OPENCLAW_TELEPHONY_SERVE_PORT: '4000', OPENCLAW_TELEPHONY_SMS_CHUNK_MODE: 'newline' },
    });
    expect(r.config.fromNumber).toBe('+15550009999');
    expect(r.envNames.fromNumber).toBe('TWILIO_PHONE_NUMBER');
    expect(r.config.serve.port).toBe(4000);
    expect(r.config.sms.chunkMode).toBe('newline');
    expect(r.sources['serve.port']).toBe('env');
  });

  it('refuses a bad environment value and names the variable', async () => {
    const err = await resolveConfig({ configFile: FULL, env: { ...env, OPENCLAW_TELEPHONY_SERVE_PORT: 'eighty' } }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('OPENCLAW_TELEPHONY_SERVE_PORT');
  });

  it('overlays a profile', async () => {
    const { file } = writeConfig('{ channels: { telephony: { fromNumber: "+15550001111", profiles: { work: { fromNumber: "+15550002222", sms: { maxLength: 320 } } } } } }');
    const base = await resolveConfig({ configFile: file, env });
    const work = await resolveConfig({ configFile: file, env, profile: 'work' });
    expect(base.config.fromNumber).toBe('+15550001111');
    expect(work.config.fromNumber).toBe('+15550002222');
    expect(work.config.sms.maxLength).toBe(320);
    expect(work.sources.fromNumber).toBe('profile');
  });

  it('finds the file by searching upward from the working directory', async () => {
    const { dir } = writeConfig('{ channels: { telephony: { fromNumber: "+15550003333" } } }');
    const nested = path.join(dir, 'a', 'b');
    (await import('node:fs')).mkdirSync(nested, { recursive: true });
    const r = await resolveConfig({ cwd: nested, env });
    expect(r.file?.filepath).toBe(path.join(dir, 'openclaw.config.json5'));
    expect(r.config.fromNumber).toBe('+15550003333');
  });
});

describe('a database password in store.url in the config file', () => {
  const warningsFor = (url: string) => validateTelephony({ store: { url } }).filter((p) => p.path === 'store.url');
  it('is warned about, naming PGPASSWORD, never quoting the password', () => {
    for (const url of ['postgres://openclaw:s3cretPW@db.internal/openclaw', 'postgresql://openclaw@db.internal/openclaw?password=s3cretPW', 'postgres://openclaw:p@ss@db.internal/openclaw', 'postgres://openclaw@db.internal/openclaw?sslpassword=s3cretPW']) {
      const [w] = warningsFor(url);
      expect(w, url).toMatchObject({ severity: 'warning' });
      expect(w!.hint).toContain('PGPASSWORD');
      expect(JSON.stringify(w)).not.toMatch(/s3cretPW|p@ss/);
    }
  });
  it('is not raised for a URL without one, or a SQLite path', () => {
    expect(warningsFor('postgres://openclaw@db.internal/openclaw?connect_timeout=30')).toEqual([]);
    expect(warningsFor('/var/lib/telephony.sqlite')).toEqual([]);
  });
});

describe('agent.command', () => {
  const resolveWith = (value: string) => resolveConfig({ cwd: writeConfig('{}').dir, env: { ...env, OPENCLAW_TELEPHONY_AGENT_COMMAND: value } });

  it('takes a JSON list from the environment as the program and its arguments, and a command line as one string', async () => {
    expect((await resolveWith('["node", "C:\\\\My Agents\\\\agent.mjs"]')).config.agent.command).toEqual(['node', 'C:\\My Agents\\agent.mjs']);
    expect((await resolveWith('python agent.py --greeting "hi, there"')).config.agent.command).toBe('python agent.py --greeting "hi, there"');
  });

  it('refuses an empty list or a list without a program, naming both forms', async () => {
    for (const value of ['[]', '["", "agent.py"]', '[1, 2]']) {
      await expect(resolveWith(value)).rejects.toThrow(/OPENCLAW_TELEPHONY_AGENT_COMMAND: expected a list of the program and its arguments, e\.g\. \["python", "agent\.py"\].*or one command line/);
      const problems = validateTelephony({ agent: { command: JSON.parse(value) } });
      expect(problems.map((p) => p.path)).toEqual(['agent.command']);
    }
    expect(validateTelephony({ agent: { command: ['python', 'agent.py'] } })).toEqual([]);
    expect(validateTelephony({ agent: { command: '  ' } }).map((p) => p.path)).toEqual(['agent.command']);
  });
});
