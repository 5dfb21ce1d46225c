/**
 * `doctor --probe` against the sandbox as Twilio: the number's SMS webhook URL and method, the 11200
 * alerts Twilio's Monitor API lists when the webhook does not answer, and the last delivery state in
 * the store; and the refusal to point a real number at an address Twilio cannot reach.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { applyDeliveryStatus } from '../../src/store/delivery-status.js';
import { recordMessage } from '../../src/store/message-log.js';
import { openStore } from '../../src/store/open-store.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';

// Nothing listens there: the sandbox's webhook fails at once, as Twilio's would against a dead server.
const PUBLIC = 'http://127.0.0.1:9';

interface Check {
  name: string;
  status: string;
  detail: string;
  fix: string | null;
}

describe('doctor --probe against the sandbox', () => {
  let sb: Sandbox;
  let number: string;
  const { env, cwd, home } = isolatedEnv();
  const probe = async () => {
    const res = await telephony(['doctor', '--probe', '--json'], { env, cwd });
    return { code: res.code, checks: Object.fromEntries((JSON.parse(res.stdout).checks as Check[]).map((c) => [c.name, c])) };
  };

  beforeAll(async () => {
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10 });
    const a = sb.describe();
    number = a.numbers[0].phoneNumber;
    Object.assign(env, {
      TWILIO_ACCOUNT_SID: a.accountSid,
      TWILIO_AUTH_TOKEN: a.authToken,
      TWILIO_PHONE_NUMBER: number,
      OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl,
      OPENCLAW_TELEPHONY_PUBLIC_URL: PUBLIC,
      OPENCLAW_TELEPHONY_STORE_URL: path.join(home, 'probe.sqlite'),
    });
  });
  afterAll(() => sb.close());

  it('fails when the number has no SMS webhook, and passes once it points at serve with POST', async () => {
    const before = await probe();
    expect(before.checks['probe-sms-webhook']).toMatchObject({ status: 'fail', fix: expect.stringContaining('--to-serve') });
    expect(before.code).toBe(3);
    expect((await telephony(['numbers', 'configure', number, '--to-serve'], { env, cwd })).code).toBe(0);
    expect((await probe()).checks['probe-sms-webhook']).toMatchObject({ status: 'pass', detail: expect.stringContaining(`POST ${PUBLIC}/telephony/webhook`) });
  });

  it('reports 11200 alerts for that URL after Twilio failed to reach it', async () => {
    expect((await probe()).checks['probe-11200'].status).toBe('pass');
    expect((await telephony(['sandbox', 'text', '--from', '+15550009001', '--to', number, 'anyone there?'], { env, cwd })).code).toBe(0);
    const after = (await probe()).checks['probe-11200'];
    expect(after).toMatchObject({ status: 'warn', detail: expect.stringContaining('1 time(s)'), fix: expect.stringContaining('doctor --probe') });
    expect(after.detail).toContain(`${PUBLIC}/telephony/webhook`);
  });

  it('fails when the method is not POST', async () => {
    const a = sb.describe();
    const sid = a.numbers[0].sid;
    const auth = 'Basic ' + Buffer.from(`${a.accountSid}:${a.authToken}`).toString('base64');
    const res = await fetch(`${sb.baseUrl}/2010-04-01/Accounts/${a.accountSid}/IncomingPhoneNumbers/${sid}.json`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'SmsMethod=GET' });
    expect(res.status).toBe(200);
    expect((await probe()).checks['probe-sms-webhook']).toMatchObject({ status: 'fail', detail: expect.stringContaining('method GET is not POST') });
  });

  it('shows the last delivery state from the store, with what to do about its error', async () => {
    const store = await openStore(env.OPENCLAW_TELEPHONY_STORE_URL!);
    const sid = 'SM' + 'e1'.repeat(16);
    await recordMessage(store, { sid, account_sid: null, direction: 'outbound-api', from_number: number, to_number: '+15550009002', body: 'hi', status: 'queued', num_segments: 1, error_code: null });
    await applyDeliveryStatus(store, { sid, status: 'undelivered', errorCode: 30034 });
    await store.close();
    expect((await probe()).checks['probe-last-delivery']).toMatchObject({ status: 'warn', detail: expect.stringContaining(`${sid}: undelivered (error 30034)`), fix: expect.stringContaining('not registered for A2P') });
  });
});

describe('pointing a number at an address Twilio cannot reach', () => {
  it('numbers configure refuses loopback, private and CGNAT URLs for Twilio, before any request', async () => {
    const { env, cwd } = isolatedEnv({ TWILIO_ACCOUNT_SID: 'AC' + '1f'.repeat(16), TWILIO_AUTH_TOKEN: 'a3'.repeat(16) });
    for (const [url, kind] of [
      ['http://127.0.0.1:3335/telephony/webhook', 'loopback'],
      ['https://192.168.1.20/telephony/webhook', 'private'],
      ['https://100.101.102.103/telephony/webhook', 'carrier-grade NAT'],
      ['http://[::1]:3335/x', 'loopback'],
    ]) {
      const res = await telephony(['numbers', 'configure', '+15550001234', '--sms-url', url], { env, cwd });
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toContain(kind);
      expect(res.stderr).toContain('11200');
    }
  });

  it('serve --configure-number refuses a private public URL for Twilio, and leaves the number alone', async () => {
    const { env, cwd } = isolatedEnv({ TWILIO_ACCOUNT_SID: 'AC' + '1f'.repeat(16), TWILIO_AUTH_TOKEN: 'a3'.repeat(16), TWILIO_PHONE_NUMBER: '+15550001234', OPENCLAW_TELEPHONY_AGENT_KIND: 'echo' });
    const res = await telephony(['serve', '--port', '0', '--configure-number', '--public-url', 'http://10.1.2.3:3335', '--no-dashboard'], { env, cwd });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain('private address');
  });

  it('the sandbox may point at a local address', async () => {
    const sb = await startSandbox({ port: 0 });
    try {
      const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl });
      const res = await telephony(['numbers', 'configure', sb.describe().numbers[0].phoneNumber, '--sms-url', 'http://127.0.0.1:3335/telephony/webhook', '--sandbox'], { env, cwd });
      expect(res.code, res.stderr).toBe(0);
    } finally {
      await sb.close();
    }
  });
});
