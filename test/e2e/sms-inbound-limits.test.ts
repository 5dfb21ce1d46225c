/**
 * Inbound limits end to end (serve.inboundLimits, #19): the spawned serve with small figures, driven
 * with signed webhooks as Twilio sends them (texts per sender, in total, failed requests, status
 * callbacks, and /metrics); then at the default figures against the sandbox, where the 31st text of
 * one handset in a minute is stored, logged and listed as refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, startCli, telephony } from '../helpers/cli.js';
import { ACCOUNT, PUBLIC, publicServeEnv, sign, smsParams } from '../helpers/serve.js';

const OURS = '+15550002222';
const A = '+15550001111';
const B = '+15550003333';
const C = '+15550004444';

describe('serve: inbound limits with small figures', () => {
  let server: Awaited<ReturnType<typeof startCli>>;
  let local: string;
  let n = 0;
  const { env, cwd } = publicServeEnv({
    TWILIO_PHONE_NUMBER: OURS,
    OPENCLAW_TELEPHONY_AGENT_KIND: 'echo',
    OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9',
    OPENCLAW_TELEPHONY_SERVE_INBOUND_LIMITS_PER_SENDER: '2',
    OPENCLAW_TELEPHONY_SERVE_INBOUND_LIMITS_TOTAL: '3',
    OPENCLAW_TELEPHONY_SERVE_INBOUND_LIMITS_FAILED_REQUESTS: '2',
    OPENCLAW_TELEPHONY_SERVE_INBOUND_LIMITS_STATUS_CALLBACKS: '2',
  });
  const post = (path: string, params: Record<string, string>, signature = sign(`${PUBLIC}${path}`, params)) =>
    fetch(`${local}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params) });
  const text = async (from: string, body = 'hello') => (await post('/telephony/webhook', smsParams({ MessageSid: 'SM' + String(++n).padStart(32, '0'), From: from, To: OURS, Body: body }))).text();
  const callback = (status: string) => post('/telephony/status', { AccountSid: ACCOUNT, MessageSid: 'SM' + 'c'.repeat(32), MessageStatus: status });
  const events = (name: string) => server.stderr().split('\n').filter((l) => l.includes(`"event":"${name}"`));

  beforeAll(async () => {
    server = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    local = JSON.parse(server.firstLine).url;
  });
  afterAll(() => server.stop());

  it('answers a sender over its limit with empty TwiML, stores why, and still honours its STOP', async () => {
    expect(await text(A)).toContain('echo: hello');
    expect(await text(A)).toContain('echo: hello');
    const third = await text(A, 'one more');
    expect(third).not.toContain('<Message');
    await expect.poll(() => events('sms.refused')).toHaveLength(1);
    expect(events('sms.refused')[0]).toContain('over the limit of 2 texts per sender in 60 s (serve.inboundLimits.perSender)');
    expect(events('limit.reached')[0]).toMatch(/"limit":"sender","key":"\+15550001111","max":2,"windowSeconds":60/);
    // An opt-out always works, over the limit or not.
    await text(A, 'STOP');
    await expect.poll(() => events('sms.optout').join()).toContain(A);
  });

  it('refuses texts from everyone once the total is reached, though each sender is under its own', async () => {
    expect(await text(B)).toContain('echo: hello');
    expect(await text(C)).not.toContain('<Message');
    await expect.poll(() => events('sms.refused')).toHaveLength(2);
    expect(events('sms.refused')[1]).toContain('over the limit of 3 texts in all in 60 s (serve.inboundLimits.total)');
  });

  it('answers failed requests over the budget with 429 and one line, not one each; signed ones still pass', async () => {
    const forged = smsParams({ MessageSid: 'SM' + 'f'.repeat(32) });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await post('/telephony/webhook', forged, 'forged-signature')).status);
    expect(statuses).toEqual([403, 403, 429, 429, 429]);
    expect(events('webhook.refused').filter((l) => l.includes('signature mismatch'))).toHaveLength(2);
    await expect.poll(() => events('limit.reached').filter((l) => l.includes('"limit":"failed"'))).toHaveLength(1);
    expect((await callback('sent')).status).toBe(200);
  });

  it('caps status callbacks with 429 and a Retry-After, before they reach the store', async () => {
    expect((await callback('delivered')).status).toBe(200);
    const over = await callback('read');
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(events('status').filter((l) => l.includes('"status":"read"'))).toEqual([]);
  });

  it('shows the counters and the current window in /metrics', async () => {
    const metrics = await (await fetch(`${local}/metrics`)).text();
    for (const line of [
      'inbound_refused_total{reason="sender-limit"} 1',
      'inbound_refused_total{reason="total-limit"} 1',
      'inbound_limited_total{limit="sender"} 1',
      'inbound_limited_total{limit="total"} 1',
      'inbound_limited_total{limit="failed"} 3',
      'inbound_limited_total{limit="callbacks"} 1',
      'inbound_limit_window_seconds 60',
      'inbound_limit_max{limit="sender"} 2',
      'inbound_limit_max{limit="callbacks"} 2',
      'inbound_limit_level{limit="total"} 3',
      'inbound_limit_level{limit="callbacks"} 2',
      'inbound_limit_level{limit="failed"} 5',
      'inbound_limit_level{limit="sender",which="highest"} 2',
      'inbound_limit_keys_at_limit{limit="sender"} 1',
      'inbound_limit_keys_at_limit{limit="failed"} 1',
    ]) {
      expect(metrics).toContain(`openclaw_telephony_${line}\n`);
    }
  });
});

describe('serve --sandbox: the default figures', () => {
  let sb: Sandbox;
  let server: Awaited<ReturnType<typeof startCli>>;
  const home = isolatedEnv({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open', OPENCLAW_TELEPHONY_ALLOW_FROM: '*', OPENCLAW_TELEPHONY_AGENT_KIND: 'echo' });
  beforeAll(async () => {
    sb = await startSandbox({ port: 0, deliveryDelayMs: 5, rates: { longcode: 1000 } });
    home.env.OPENCLAW_TELEPHONY_SANDBOX_URL = sb.baseUrl;
    server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], home);
  });
  afterAll(async () => {
    await server.stop();
    await sb.close();
  });

  it('takes 30 texts from one handset in a minute; the 31st is stored, logged and listed as refused', async () => {
    const number = JSON.parse(server.firstLine).sandbox.number;
    const handset = '+15550007777';
    const send = async (body: string) => {
      const res = await fetch(`${sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(handset)}/messages`, { method: 'POST', body: new URLSearchParams({ To: number, Body: body }) });
      return (await res.json()) as { sid: string; webhook: { status: number } };
    };
    for (let i = 1; i <= 30; i++) expect((await send(`text ${i}`)).webhook.status).toBe(200);
    const refused = await send('text 31');
    expect(refused.webhook.status).toBe(200);
    await expect.poll(() => server.stderr()).toContain('"event":"sms.refused"');
    expect(server.stderr()).toContain('over the limit of 30 texts per sender in 60 s');
    // Echo answered the first 30 and nothing else.
    await expect.poll(async () => (await (await fetch(`${sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(handset)}/inbox`)).json()).messages.length).toBe(30);

    const listed = await telephony(['messages', 'list', '--sandbox', '--from', handset, '--limit', '40', '--json'], home);
    expect(listed.code).toBe(0);
    const messages = JSON.parse(listed.stdout).messages as { sid: string; status: string; refused_reason: string | null }[];
    expect(messages).toHaveLength(31);
    expect(messages.filter((m) => m.refused_reason)).toEqual([expect.objectContaining({ sid: refused.sid, status: 'received', refused_reason: expect.stringContaining('30 texts per sender') })]);
    const table = await telephony(['messages', 'list', '--sandbox', '--from', handset, '--limit', '40'], home);
    expect(table.stdout).toMatch(new RegExp(`${refused.sid}.*refused`));
    expect(table.stdout).toContain(`${refused.sid} refused by serve: over the limit of 30 texts per sender in 60 s (serve.inboundLimits.perSender)`);
    const one = await telephony(['messages', 'get', refused.sid, '--sandbox', '--json'], home);
    expect(JSON.parse(one.stdout)).toMatchObject({ sid: refused.sid, refused_reason: expect.stringContaining('30 texts per sender') });
  });
});
