import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, telephony } from '../helpers/cli.js';

const FULL = path.resolve(__dirname, '../fixtures/setup-guide-full.json5');

describe('config command', () => {
  it('init writes a starter that validates, and set edits it in place keeping comments', async () => {
    const { env, cwd } = isolatedEnv();
    expect((await telephony(['config', 'init'], { env, cwd })).code).toBe(0);
    const file = path.join(cwd, 'openclaw.config.json5');
    expect(readFileSync(file, 'utf8')).toContain('// ');
    const valid = await telephony(['config', 'validate', '--json'], { env, cwd });
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({ valid: true, errors: [] });
    expect((await telephony(['config', 'init'], { env, cwd })).code).toBe(2);

    expect((await telephony(['config', 'set', 'sms.maxLength', '480'], { env, cwd })).code).toBe(0);
    expect((await telephony(['config', 'set', 'fromNumber', '+15550001234'], { env, cwd })).code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('maxLength: 480');
    expect(text).toContain('// Check this file');
    const show = JSON.parse((await telephony(['config', 'show', '--json'], { env, cwd })).stdout);
    const value = (k: string) => show.values.find((v: { key: string }) => v.key === k);
    expect(value('sms.maxLength')).toMatchObject({ value: 480, source: 'file' });
    expect(value('fromNumber')).toMatchObject({ value: '+15550001234', source: 'file' });
  });

  it('set refuses unknown keys, bad values and secrets', async () => {
    const { env, cwd } = isolatedEnv();
    const unknown = await telephony(['config', 'set', 'sms.maxLenght', '10'], { env, cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean "sms.maxLength"?');
    const bad = await telephony(['config', 'set', 'sms.maxLength', '5000'], { env, cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('out of range');
    const secret = await telephony(['config', 'set', 'twilio.authToken', 'abc'], { env, cwd });
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain('auth login');
  });

  it("validate accepts the setup guide's full example and exits 3 on errors with file:line:column", async () => {
    const { env, cwd } = isolatedEnv();
    const ok = await telephony(['config', 'validate', '--config', FULL], { env, cwd });
    expect(ok.code).toBe(0);
    const bad = path.join(cwd, 'bad.json5');
    writeFileSync(bad, '{\n  channels: { telephony: {\n    twilio: { acountSid: "AC3f9b2c41d8e7a6b5c4d3e2f1a0b9c8d7" },\n  } },\n}\n');
    const res = await telephony(['config', 'validate', '--config', bad], { env, cwd });
    expect(res.code).toBe(3);
    expect(res.stdout).toContain(`${bad}:3:15`);
    expect(res.stdout).toContain('did you mean "twilio.accountSid"?');
    const syntax = path.join(cwd, 'syntax.json5');
    writeFileSync(syntax, '{\n  channels: {\n    telephony: { enabled: true,, }\n  }\n}\n');
    const res2 = await telephony(['config', 'validate', '--config', syntax, '--json'], { env, cwd });
    expect(res2.code).toBe(3);
    expect(JSON.parse(res2.stdout).error.message).toMatch(/syntax\.json5:3:\d+: syntax error/);
  });

  it('show redacts secrets from the environment and names their source', async () => {
    const token = 'f00dfeedcafe0123456789abcdef0123';
    const { env, cwd } = isolatedEnv({ TWILIO_AUTH_TOKEN: token, TWILIO_ACCOUNT_SID: 'AC3f9b2c41d8e7a6b5c4d3e2f1a0b9c8d7' });
    for (const args of [['config', 'show'], ['config', 'show', '--json'], ['auth', 'status', '--json']]) {
      const res = await telephony(args, { env, cwd });
      expect(res.code).toBe(0);
      expect(res.stdout + res.stderr).not.toContain(token);
    }
    const status = JSON.parse((await telephony(['auth', 'status', '--json'], { env, cwd })).stdout);
    expect(status.credentials.find((c: { key: string }) => c.key === 'twilio.authToken')).toMatchObject({ set: true, source: 'env', envName: 'TWILIO_AUTH_TOKEN' });
  });

  it('path tells which file is used', async () => {
    const { env, cwd } = isolatedEnv();
    writeFileSync(path.join(cwd, '.openclawrc'), '{ channels: { telephony: {} } }');
    const res = JSON.parse((await telephony(['config', 'path', '--json'], { env, cwd })).stdout);
    expect(res.file).toBe(path.join(cwd, '.openclawrc'));
  });
});
