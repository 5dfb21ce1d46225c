/**
 * What serve accepts as a text for this number: a webhook without AccountSid is refused; a text for
 * another number (or Messaging Service) is stored, shown to the operator and never reaches the
 * agent; and serve's own replies ask Twilio for their delivery states.
 */
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, startCli, telephony } from '../helpers/cli.js';

const ACCOUNT = 'AC' + '2e'.repeat(16);
const TOKEN = 'b4'.repeat(16);
const PUBLIC = 'https://texts.example.com';
const OURS = '+15550002222';
const SERVICE = 'MG' + '5c'.repeat(16);

describe('serve: whose texts it takes', () => {
  let server: Awaited<ReturnType<typeof startCli>>;
  let local: string;
  const { env, cwd } = isolatedEnv({
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_PHONE_NUMBER: OURS,
    TWILIO_MESSAGING_SERVICE_SID: SERVICE,
    OPENCLAW_TELEPHONY_PUBLIC_URL: PUBLIC,
    OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open',
    OPENCLAW_TELEPHONY_ALLOW_FROM: '*',
    OPENCLAW_TELEPHONY_AGENT_KIND: 'echo',
    // Twilio's API is unreachable here; these replies go back in the TwiML answer.
    OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9',
  });
  const post = (params: Record<string, string>) =>
    fetch(`${local}/telephony/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/telephony/webhook`, params) },
      body: new URLSearchParams(params),
    });
  const sms = (sid: string, over: Record<string, string> = {}) => ({ AccountSid: ACCOUNT, MessageSid: 'SM' + sid.repeat(16), From: '+15550001111', To: OURS, Body: 'hello', ...over });

  beforeAll(async () => {
    server = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    local = JSON.parse(server.firstLine).url;
  });
  afterAll(() => server.stop());

  it('refuses a signed webhook without AccountSid (403)', async () => {
    const { AccountSid: _gone, ...params } = sms('31');
    expect((await post(params)).status).toBe(403);
    await expect.poll(() => server.stderr()).toContain('no AccountSid in the request');
  });

  it('answers a text for its number with the reply, asking for its delivery states', async () => {
    const body = await (await post(sms('32'))).text();
    expect(body).toContain(`<Message action="${PUBLIC}/telephony/status" method="POST">echo: hello</Message>`);
  });

  it('takes a text sent through its Messaging Service to a pool number', async () => {
    const body = await (await post(sms('33', { To: '+15550009999', MessagingServiceSid: SERVICE }))).text();
    expect(body).toContain('echo: hello');
  });

  it('stores but never answers a text for another number, and says so', async () => {
    const body = await (await post(sms('34', { To: '+15550003333', Body: 'not for you' }))).text();
    expect(body).not.toContain('<Message');
    await expect.poll(() => server.stderr()).toContain('"event":"sms.refused"');
    expect(server.stderr()).toContain('To +15550003333 is not +15550002222 or ' + SERVICE);
    const metrics = await (await fetch(`${local}/metrics`)).text();
    expect(metrics).toMatch(/inbound_refused_total\{reason="not-our-number"\} 1/);
  });
});

describe('serve --sandbox: a late reply asks for its delivery states too', () => {
  it('the REST reply carries the StatusCallback and its delivery reaches the log', async () => {
    const sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 100 } });
    const { env, cwd } = isolatedEnv({
      OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl,
      OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open',
      OPENCLAW_TELEPHONY_ALLOW_FROM: '*',
      OPENCLAW_TELEPHONY_AGENT_KIND: 'command',
      // A slow agent: its reply goes out through the REST API.
      OPENCLAW_TELEPHONY_AGENT_COMMAND: `"${process.execPath}" -e "setTimeout(()=>process.stdout.write('late **reply**'),600)"`,
      OPENCLAW_TELEPHONY_AGENT_REPLY_TIMEOUT_MS: '150',
    });
    const server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
    try {
      const number = JSON.parse(server.firstLine).sandbox.number;
      expect((await telephony(['sandbox', 'text', '--from', '+15550004545', '--to', number, 'take your time'], { env, cwd })).code).toBe(0);
      await expect.poll(() => server.stderr(), { timeout: 10_000 }).toMatch(/"event":"status".*"status":"delivered"/);
      const auth = 'Basic ' + Buffer.from(`${sb.describe().accountSid}:${sb.describe().authToken}`).toString('base64');
      const list = await (await fetch(`${sb.baseUrl}/2010-04-01/Accounts/${sb.describe().accountSid}/Messages.json?To=${encodeURIComponent('+15550004545')}`, { headers: { authorization: auth } })).json();
      expect(list.messages.map((m: { body: string }) => m.body)).toEqual(['late reply']);
    } finally {
      await server.stop();
      await sb.close();
    }
  });
});
