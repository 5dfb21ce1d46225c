import path from 'node:path';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, runCli, startCli, telephony } from '../helpers/cli.js';
import { ACCOUNT, PUBLIC, publicServeEnv, smsParams, startAgent, TOKEN } from '../helpers/serve.js';

describe('serve with a public URL (no sandbox)', () => {
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let server: Awaited<ReturnType<typeof startCli>>;
  let local: string;
  const { env, cwd, home } = publicServeEnv();
  // A second serve while this one runs: its own SQLite file (one serve per file; a second on this one is refused).
  const ownStore = (n: number) => ({ OPENCLAW_TELEPHONY_STORE_URL: path.join(home, `second-${n}.sqlite`) });
  const start = async () => {
    server = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    local = JSON.parse(server.firstLine).url;
  };
  beforeAll(async () => {
    agent = await startAgent();
    env.OPENCLAW_TELEPHONY_AGENT_URL = agent.url;
    // Twilio's API is not reachable here; replies in these tests go back in the TwiML answer.
    env.OPENCLAW_TELEPHONY_SANDBOX_URL = 'http://127.0.0.1:9';
    await start();
  });
  afterAll(async () => {
    await server.stop();
    await agent.close();
  });

  const sms = smsParams;
  const post = (params: Record<string, string>, opts: { url?: string; signature?: string | null; headers?: Record<string, string>; path?: string } = {}) => {
    const path = opts.path ?? '/telephony/webhook';
    const signature = opts.signature === undefined ? twilio.getExpectedTwilioSignature(TOKEN, opts.url ?? PUBLIC + path, params) : opts.signature;
    return fetch(local + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}), ...opts.headers }, body: new URLSearchParams(params) });
  };

  it("accepts requests signed with the helper library's signing function and answers with the agent's reply", async () => {
    const res = await post(sms({ MessageSid: 'SM' + '01'.repeat(16) }));
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<Message action="https:\/\/bot.example.com\/telephony\/status" method="POST">agent heard: hi there<\/Message>/);
    expect(agent.turns.at(-1)).toMatchObject({ text: 'hi there', sessionId: 'sms:+15550001111', channel: 'sms' });
  });

  it('refuses a tampered body, a wrong URL, an injected forwarded host, another account and a missing signature', async () => {
    const params = sms({ MessageSid: 'SM' + '02'.repeat(16) });
    const signature = twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + '/telephony/webhook', params);
    const turnsBefore = agent.turns.length;
    expect((await post({ ...params, Body: 'tampered' }, { signature })).status).toBe(403);
    expect((await post(params, { url: 'https://evil.example.com/telephony/webhook' })).status).toBe(403);
    const forged = twilio.getExpectedTwilioSignature(TOKEN, 'https://evil.example.com/telephony/webhook', params);
    expect((await post(params, { signature: forged, headers: { 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'https' } })).status).toBe(403);
    const other = sms({ AccountSid: 'AC' + '99'.repeat(16), MessageSid: 'SM' + '03'.repeat(16) });
    expect((await post(other)).status).toBe(403);
    expect((await post(params, { signature: null })).status).toBe(403);
    expect(agent.turns.length).toBe(turnsBefore);
    await expect.poll(() => server.stderr()).toContain('tried');
  });

  it('verifies JSON bodies by bodySHA256, and refuses a changed body', async () => {
    const body = JSON.stringify({ AccountSid: ACCOUNT, MessageSid: 'SM' + '08'.repeat(16), From: '+15550001111', To: '+15550002222', Body: 'json hello' });
    const sha = (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
    const path = `/telephony/webhook?bodySHA256=${sha}`;
    const signature = twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + path, {});
    const send = (b: string) => fetch(local + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-twilio-signature': signature }, body: b });
    const ok = await send(body);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('agent heard: json hello');
    expect((await send(body.replace('json hello', 'json HELLO'))).status).toBe(403);
  });

  it('refuses bodies over 64 KiB with 413', async () => {
    const res = await post(sms({ Body: 'x'.repeat(70 * 1024) }));
    expect(res.status).toBe(413);
  });

  it('a redelivery (five times, and after a restart) makes one agent turn and gets the same answer', async () => {
    const params = sms({ MessageSid: 'SM' + '04'.repeat(16), Body: 'only once please' });
    const token = 'idem-token-4';
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await (await post(params, { headers: { 'i-twilio-idempotency-token': token } })).text());
    expect(new Set(answers).size).toBe(1);
    // Copies in flight at the same moment, as a retry racing the first delivery.
    const racing = sms({ MessageSid: 'SM' + '14'.repeat(16), Body: 'racing copies' });
    const raced = await Promise.all(Array.from({ length: 5 }, async () => (await post(racing, { headers: { 'i-twilio-idempotency-token': 'idem-token-race' } })).text()));
    expect(new Set(raced).size).toBe(1);
    expect(agent.turns.filter((t) => t.text === 'racing copies').length).toBe(1);
    expect(agent.turns.filter((t) => t.text === 'only once please').length).toBe(1);
    expect(await server.stop()).toBe(0);
    await start();
    const again = await (await post(params, { headers: { 'i-twilio-idempotency-token': token } })).text();
    expect(again).toBe(answers[0]);
    expect(agent.turns.filter((t) => t.text === 'only once please').length).toBe(1);
  });

  it('handles STOP and HELP before any agent turn, and stores status callbacks', async () => {
    const before = agent.turns.length;
    expect(await (await post(sms({ MessageSid: 'SM' + '05'.repeat(16), Body: 'STOP' }))).text()).not.toContain('<Message');
    expect(await (await post(sms({ MessageSid: 'SM' + '06'.repeat(16), Body: 'help' }))).text()).toContain('Reply STOP to unsubscribe');
    expect(agent.turns.length).toBe(before);
    const optouts = JSON.parse((await telephony(['optouts', 'list', '--json'], { env, cwd })).stdout).optouts;
    expect(optouts.map((o: { phone: string }) => o.phone)).toContain('+15550001111');
    const status = { AccountSid: ACCOUNT, MessageSid: 'SM' + '01'.repeat(16), MessageStatus: 'delivered' };
    expect((await post(status, { path: '/telephony/status' })).status).toBe(200);
  });

  it('answers /healthz without secrets and /metrics in Prometheus text', async () => {
    // Counters live in memory (they restart with the process, as Prometheus expects): make one of each.
    expect((await post(sms(), { signature: 'bad' })).status).toBe(403);
    const health = await fetch(`${local}/healthz`);
    expect(health.status).toBe(200);
    const text = await health.text();
    expect(text).not.toContain(TOKEN);
    expect(JSON.parse(text)).toMatchObject({ ok: true });
    const metrics = await (await fetch(`${local}/metrics`)).text();
    expect(metrics).toContain('openclaw_telephony_webhook_verification_failures_total');
    expect(metrics).toMatch(/openclaw_telephony_webhooks_total\{route="inbound",outcome="replayed"\} \d+/);
    expect(metrics).not.toContain(TOKEN);
  });

  it('says so when its port is taken (exit 2)', async () => {
    const res = await telephony(['serve', '--port', new URL(local).port], { env: { ...env, ...ownStore(1) }, cwd });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--port');
  });

  it('refuses to start without a public URL, and honours skipSignatureVerification only on loopback', async () => {
    const noUrl = await telephony(['serve', '--port', '0'], { env: { ...env, ...ownStore(2), OPENCLAW_TELEPHONY_PUBLIC_URL: '' }, cwd });
    expect(noUrl.code).toBe(3);
    expect(noUrl.stderr).toContain('publicUrl');
    const open = await telephony(['serve', '--port', '0', '--bind', '0.0.0.0'], { env: { ...env, ...ownStore(3), OPENCLAW_TELEPHONY_SKIP_SIGNATURE_VERIFICATION: 'true' }, cwd });
    expect(open.code).toBe(3);
    expect(open.stderr).toContain('loopback');
    const off = await telephony(['serve', '--port', '0'], { env: { ...env, ...ownStore(4), OPENCLAW_TELEPHONY_ENABLED: 'false' }, cwd });
    expect(off.code).toBe(3);
    expect(off.stderr).toContain('enabled: true');
  });
});

describe('serve --sandbox: pairing end to end', () => {
  let sb: Sandbox;
  let server: Awaited<ReturnType<typeof startCli>>;
  let number: string;
  const { env, cwd } = isolatedEnv();
  const handset = '+15550003333';
  const inbox = async () => (await (await fetch(`${sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(handset)}/inbox`)).json()).messages.map((m: { body: string }) => m.body);
  const text = (body: string) => telephony(['sandbox', 'text', '--from', handset, '--to', number, body], { env, cwd });

  beforeAll(async () => {
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 100 } });
    env.OPENCLAW_TELEPHONY_SANDBOX_URL = sb.baseUrl;
    env.OPENCLAW_TELEPHONY_AGENT_REPLY_TIMEOUT_MS = '2000';
    server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
    number = JSON.parse(server.firstLine).sandbox.number;
  });
  afterAll(async () => {
    await server.stop();
    await sb.close();
  });

  it('a stranger gets one code; after `pairing approve` their texts reach the echo agent and its answers reach the handset', async () => {
    expect((await text('hello?')).code).toBe(0);
    await expect.poll(inbox).toEqual([expect.stringMatching(/pairing code is [A-Z0-9]{8}/)]);
    expect((await text('hello again?')).code).toBe(0);
    const list = JSON.parse((await telephony(['pairing', 'list', '--json'], { env, cwd })).stdout);
    expect(list.pending).toHaveLength(1);
    const code = list.pending[0].code;
    expect((await inbox())[0]).toContain(code);
    // Still one code: a stranger cannot make the number send many texts.
    expect((await inbox()).length).toBe(1);
    expect((await telephony(['pairing', 'approve', code], { env, cwd })).code).toBe(0);
    expect((await telephony(['pairing', 'approve', code], { env, cwd })).code).toBe(2); // already approved
    await text('now can you hear me');
    await expect.poll(inbox).toContain('echo: now can you hear me');
    expect((await telephony(['pairing', 'revoke', handset], { env, cwd })).code).toBe(0);
  });

  it('restores the number it pointed at itself when it stops', async () => {
    const before = (await (await fetch(`${sb.baseUrl}/sandbox/v1/account`)).json()).numbers[0];
    expect(before.smsUrl).toMatch(/\/telephony\/webhook$/);
    expect(await server.stop()).toBe(0);
    const after = (await (await fetch(`${sb.baseUrl}/sandbox/v1/account`)).json()).numbers[0];
    expect(after.smsUrl).toBeNull();
    server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
  });
});

describe('serve behind a trusted reverse proxy, with --configure-number', () => {
  it('accepts the forwarded host only from a trusted proxy, and points and restores the number', async () => {
    const sb = await startSandbox({ port: 0 });
    const a = sb.describe();
    const { env, cwd, home } = isolatedEnv({
      TWILIO_ACCOUNT_SID: a.accountSid,
      TWILIO_AUTH_TOKEN: a.authToken,
      TWILIO_PHONE_NUMBER: a.numbers[0].phoneNumber,
      OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl,
      OPENCLAW_TELEPHONY_PUBLIC_URL: 'https://tunnel.example.net',
      OPENCLAW_TELEPHONY_WEBHOOK_SECURITY_TRUST_FORWARDING_HEADERS: 'true',
      OPENCLAW_TELEPHONY_WEBHOOK_SECURITY_TRUSTED_PROXIES: '127.0.0.1',
      OPENCLAW_TELEPHONY_INBOUND_POLICY: 'disabled',
      OPENCLAW_TELEPHONY_AGENT_KIND: 'echo',
    });
    const server = await startCli(['serve', '--port', '0', '--configure-number', '--json'], { env, cwd });
    try {
      const local = JSON.parse(server.firstLine).url;
      const number = (await (await fetch(`${sb.baseUrl}/sandbox/v1/account`)).json()).numbers[0];
      expect(number.smsUrl).toBe('https://tunnel.example.net/telephony/webhook');
      expect(number.voiceUrl).toBe('https://tunnel.example.net/telephony/voice');
      const params = { AccountSid: a.accountSid, MessageSid: 'SM' + '07'.repeat(16), From: '+15550001111', To: a.numbers[0].phoneNumber, Body: 'via proxy' };
      /** Posts `p` to `server`, signed for `signedUrl`, optionally as forwarded by the proxy. */
      const deliver = (server: string, p: Record<string, string>, signedUrl: string, viaProxy: boolean) =>
        fetch(`${server}/telephony/webhook`, {
          method: 'POST',
          headers: {
            'x-twilio-signature': twilio.getExpectedTwilioSignature(a.authToken, signedUrl, p),
            'content-type': 'application/x-www-form-urlencoded',
            ...(viaProxy ? { 'x-forwarded-host': 'proxy.example.org', 'x-forwarded-proto': 'https' } : {}),
          },
          body: new URLSearchParams(p),
        });
      expect((await deliver(local, params, 'https://proxy.example.org/telephony/webhook', true)).status).toBe(200);
      // allowedHosts: the same request, but the proxy's host is not among the accepted ones (a second serve: its own SQLite file).
      const strict = await startCli(['serve', '--port', '0', '--json'], { env: { ...env, OPENCLAW_TELEPHONY_STORE_URL: path.join(home, 'strict.sqlite'), OPENCLAW_TELEPHONY_WEBHOOK_SECURITY_ALLOWED_HOSTS: 'tunnel.example.net' }, cwd });
      try {
        const strictUrl = JSON.parse(strict.firstLine).url;
        const again = { ...params, MessageSid: 'SM' + '09'.repeat(16) };
        expect((await deliver(strictUrl, again, 'https://proxy.example.org/telephony/webhook', true)).status).toBe(403);
        // The allowed host still works.
        expect((await deliver(strictUrl, again, 'https://tunnel.example.net/telephony/webhook', false)).status).toBe(200);
      } finally {
        await strict.stop();
      }
    } finally {
      const code = await server.stop();
      expect(code, server.stderr()).toBe(0);
      const restored = (await (await fetch(`${sb.baseUrl}/sandbox/v1/account`)).json()).numbers[0];
      expect(restored.smsUrl).toBeNull();
      await sb.close();
    }
  });
});

describe('serve --sandbox with a slow agent', () => {
  it('answers the webhook at once and sends the late reply through the REST API, exactly once', async () => {
    const sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 100 } });
    const agent = await startAgent(900);
    const { env, cwd } = isolatedEnv({
      OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl,
      OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open',
      OPENCLAW_TELEPHONY_ALLOW_FROM: '*',
      OPENCLAW_TELEPHONY_AGENT_URL: agent.url,
      OPENCLAW_TELEPHONY_AGENT_REPLY_TIMEOUT_MS: '200',
      OPENCLAW_AGENT_TOKEN: 'agent-secret-token-123',
    });
    const server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
    try {
      const number = JSON.parse(server.firstLine).sandbox.number;
      const started = performance.now();
      const sent = JSON.parse((await telephony(['sandbox', 'text', '--from', '+15550004444', '--to', number, 'take your time', '--json'], { env, cwd })).stdout);
      expect(sent.webhook).toMatchObject({ ok: true, status: 200 });
      const inbox = async () => (await (await fetch(`${sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent('+15550004444')}/inbox`)).json()).messages;
      await expect.poll(async () => (await inbox()).map((m: { body: string }) => m.body), { timeout: 10_000 }).toEqual(['agent heard: take your time']).catch((err) => {
        throw new Error(`${err.message}\nserve said: ${server.stderr()}`);
      });
      expect(performance.now() - started).toBeGreaterThan(800);
      const auth = 'Basic ' + Buffer.from(`${sb.describe().accountSid}:${sb.describe().authToken}`).toString('base64');
      const list = await (await fetch(`${sb.baseUrl}/2010-04-01/Accounts/${sb.describe().accountSid}/Messages.json?To=${encodeURIComponent('+15550004444')}`, { headers: { authorization: auth } })).json();
      expect(list.messages.map((m: { direction: string }) => m.direction)).toEqual(['outbound-api']);
    } finally {
      await server.stop();
      await agent.close();
      await sb.close();
    }
  });
});

describe('serve when a late reply cannot be sent', () => {
  it('logs the failure with its key, and keeps serving', async () => {
    const agent = await startAgent(600);
    const { env, cwd } = publicServeEnv({
      OPENCLAW_TELEPHONY_AGENT_URL: agent.url,
      OPENCLAW_TELEPHONY_AGENT_REPLY_TIMEOUT_MS: '150',
      // Twilio's API, unreachable: nothing listens here.
      OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9',
    });
    const server = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    try {
      const local = JSON.parse(server.firstLine).url;
      const params = { AccountSid: ACCOUNT, MessageSid: 'SM' + '0a'.repeat(16), From: '+15550001111', To: '+15550002222', Body: 'slow one' };
      const res = await fetch(`${local}/telephony/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + '/telephony/webhook', params) },
        body: new URLSearchParams(params),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain('<Message');
      await expect.poll(() => server.stderr(), { timeout: 10_000 }).toContain('"event":"reply.failed"');
      expect(server.stderr()).toContain(`reply:${params.MessageSid}:1/1`);
      expect((await fetch(`${local}/healthz`)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
      await agent.close();
    }
  });
});
