import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, startCli, telephony } from '../helpers/cli.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let sandbox: Awaited<ReturnType<typeof startCli>>;
let info: { baseUrl: string; accountSid: string; authToken: string; numbers: { phoneNumber: string; sid: string }[] };
let hooks: WebhookReceiver;
const { env, cwd } = isolatedEnv();

beforeAll(async () => {
  sandbox = await startCli(['sandbox', '--port', '0', '--json'], { env, cwd });
  info = JSON.parse(sandbox.firstLine);
  env.OPENCLAW_TELEPHONY_SANDBOX_URL = info.baseUrl;
  hooks = await startWebhookReceiver();
});
afterAll(async () => {
  await sandbox.stop();
  await hooks.close();
});

describe('openclaw telephony sandbox', () => {
  it('prints its account and number as one JSON line', () => {
    expect(info.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(info.authToken).toMatch(/^[0-9a-f]{32}$/);
    expect(info.numbers[0]).toMatchObject({ phoneNumber: expect.stringMatching(/^\+1\d{10}$/), sid: expect.stringMatching(/^PN[0-9a-f]{32}$/) });
  });

  it('sandbox text reaches the SmsUrl and the TwiML reply lands in sandbox inbox', async () => {
    hooks.answer = (h) => ({ body: `<Response><Message>echo: ${h.params.Body}</Message></Response>` });
    const auth = 'Basic ' + Buffer.from(`${info.accountSid}:${info.authToken}`).toString('base64');
    await fetch(`${info.baseUrl}/2010-04-01/Accounts/${info.accountSid}/IncomingPhoneNumbers/${info.numbers[0].sid}.json`, {
      method: 'POST',
      headers: { authorization: auth },
      body: new URLSearchParams({ SmsUrl: `${hooks.url}/sms` }),
    });
    const sent = await telephony(['sandbox', 'text', '--from', '+15550003434', '--to', info.numbers[0].phoneNumber, 'hello agent', '--json'], { env, cwd });
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ sid: expect.stringMatching(/^SM/), webhook: { ok: true, status: 200 } });
    await expect
      .poll(async () => {
        const res = await telephony(['sandbox', 'inbox', '+15550003434', '--json'], { env, cwd });
        return JSON.parse(res.stdout).messages.map((m: { body: string }) => m.body);
      })
      .toEqual(['echo: hello agent']);
    const human = await telephony(['sandbox', 'inbox', '+15550003434'], { env, cwd });
    expect(human.stdout).toContain('echo: hello agent');
  });

  // auth login checks the credential store before the network, so this needs one (npm test provides it).
  it.skipIf(!process.env.OPENCLAW_TEST_KEYRING)('auth login verifies the pair against the sandbox and refuses a wrong token without storing anything', async () => {
    const res = await telephony(['auth', 'login', '--sandbox', '--account-sid', info.accountSid, '--auth-token-stdin'], { env, cwd, input: '0'.repeat(32) });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain('refused');
  });

  it('says clearly when the sandbox is not running', async () => {
    const res = await telephony(['sandbox', 'inbox', '+15550003434'], { env: { ...env, OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' }, cwd });
    expect(res.code).toBe(6);
    expect(res.stderr).toContain('No sandbox answers at http://127.0.0.1:9');
    // The URL came from the environment: starting another sandbox would not help, fixing the variable would.
    expect(res.stderr).toContain('OPENCLAW_TELEPHONY_SANDBOX_URL names it');
  });

  it('refuses a bad --fault or --port with exit 2', async () => {
    const fault = await telephony(['sandbox', '--port', '0', '--fault', '429:lots'], { env, cwd });
    expect(fault.code).toBe(2);
    expect(fault.stderr).toContain('429:lots');
    const voice = await telephony(['sandbox', '--port', '0', '--fault', 'call-busy:5%,packet-loss:150%'], { env, cwd });
    expect(voice.code).toBe(2);
    expect(voice.stderr).toContain('cannot read "packet-loss:150%"');
    expect(voice.stderr).toContain('jitter:DURATION');
    const help = await telephony(['sandbox', '--help'], { env, cwd });
    expect(help.stdout).toMatch(/voice-timeout:5%,stream-drop:10%@5s,packet-loss:3%,jitter:40ms,echo:30%@120ms,seed:7/);
    const port = await telephony(['sandbox', '--port', 'http'], { env, cwd });
    expect(port.code).toBe(2);
  });

  it('stops cleanly on SIGTERM', async () => {
    const other = await startCli(['sandbox', '--port', '0', '--json'], { env, cwd });
    expect(await other.stop('SIGTERM')).toBe(0);
  });
});
