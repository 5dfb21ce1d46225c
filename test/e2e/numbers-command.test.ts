import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';

let sb: Sandbox;
const { env, cwd } = isolatedEnv();
const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => telephony(['numbers', '--sandbox', ...args], { env: { ...env, ...extra }, cwd });

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
  env.OPENCLAW_TELEPHONY_SANDBOX_URL = sb.baseUrl;
});
afterAll(() => sb.close());

describe('numbers', () => {
  it('searches, buys with --yes, configures, lists and releases', async () => {
    const search = await run(['search', '--area-code', '512', '--sms', '--limit', '3', '--json']);
    expect(search.code).toBe(0);
    const found = JSON.parse(search.stdout).numbers;
    expect(found).toHaveLength(3);
    for (const n of found) expect(n.phone_number).toMatch(/^\+1512/);
    const tollFree = JSON.parse((await run(['search', '--type', 'tollfree', '--limit', '2', '--json'])).stdout).numbers;
    expect(tollFree[0].phone_number).toMatch(/^\+18\d\d/);

    const refused = await run(['buy', found[0].phone_number]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const bought = JSON.parse((await run(['buy', found[0].phone_number, '--yes', '--json'])).stdout);
    expect(bought.sid).toMatch(/^PN/);

    const configured = JSON.parse((await run(['configure', found[0].phone_number, '--sms-url', 'https://example.com/sms', '--json'])).stdout);
    expect(configured.sms_url).toBe('https://example.com/sms');
    const toServe = await run(['configure', bought.sid, '--to-serve', '--json'], { OPENCLAW_TELEPHONY_PUBLIC_URL: 'https://bot.example.com' });
    expect(JSON.parse(toServe.stdout)).toMatchObject({ sms_url: 'https://bot.example.com/telephony/webhook', voice_url: 'https://bot.example.com/telephony/voice', status_callback: 'https://bot.example.com/telephony/status' });
    // voice.enabled false: calls are not serve's, so VoiceUrl stays where it was.
    await run(['configure', bought.sid, '--voice-url', 'https://ivr.example.com/voice']);
    const textsOnly = await run(['configure', bought.sid, '--to-serve', '--json'], { OPENCLAW_TELEPHONY_PUBLIC_URL: 'https://bot.example.com', OPENCLAW_TELEPHONY_VOICE_ENABLED: 'false' });
    expect(JSON.parse(textsOnly.stdout)).toMatchObject({ sms_url: 'https://bot.example.com/telephony/webhook', voice_url: 'https://ivr.example.com/voice', status_callback: 'https://bot.example.com/telephony/status' });
    const noPublic = await run(['configure', bought.sid, '--to-serve']);
    expect(noPublic.code).toBe(2);
    expect(noPublic.stderr).toContain('publicUrl');

    const list = JSON.parse((await run(['list', '--json'])).stdout).numbers.map((n: { phone_number: string }) => n.phone_number);
    expect(list).toContain(found[0].phone_number);
    expect((await run(['release', found[0].phone_number])).code).toBe(2);
    expect((await run(['release', found[0].phone_number, '--yes'])).code).toBe(0);
    const after = JSON.parse((await run(['list', '--json'])).stdout).numbers.map((n: { phone_number: string }) => n.phone_number);
    expect(after).not.toContain(found[0].phone_number);
  });

  it('doctor checks where the number sends texts, and says how to point it at serve', async () => {
    const a = sb.describe();
    const doctorEnv = {
      ...env,
      TWILIO_ACCOUNT_SID: a.accountSid,
      TWILIO_AUTH_TOKEN: a.authToken,
      TWILIO_PHONE_NUMBER: a.numbers[0].phoneNumber,
      OPENCLAW_TELEPHONY_PUBLIC_URL: 'https://bot.example.com',
    };
    const check = async () => {
      const res = await telephony(['doctor', '--json'], { env: doctorEnv, cwd });
      return Object.fromEntries(JSON.parse(res.stdout).checks.map((c: { name: string }) => [c.name, c]));
    };
    const before = await check();
    expect(before['webhook-url']).toMatchObject({ status: 'pass', detail: expect.stringContaining('https://bot.example.com/telephony/webhook') });
    expect(before.signatures).toMatchObject({ status: 'pass', fix: expect.stringContaining('signature mismatch') });
    expect(before.number).toMatchObject({ status: 'warn', fix: expect.stringContaining('--to-serve') });
    await telephony(['numbers', '--sandbox', 'configure', a.numbers[0].phoneNumber, '--to-serve'], { env: doctorEnv, cwd });
    expect((await check()).number).toMatchObject({ status: 'pass' });
  });

  it('explains bad input and unknown numbers', async () => {
    expect((await run(['search', '--type', 'fax'])).code).toBe(2);
    expect((await run(['search', '--area-code', '41'])).code).toBe(2);
    const missing = await run(['configure', '+15550009999', '--sms-url', 'https://example.com']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('numbers list');
    expect((await run(['configure', sb.describe().numbers[0].phoneNumber, '--sms-url', 'not a url'])).code).toBe(2);
  });
});
