/** `serve` facing strangers: replays, odd request targets, stalled bodies, bad bytes, unsafe switches. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, telephony } from '../helpers/cli.js';
import { PUBLIC, publicServeEnv, rawPost, sign, smsParams, startAgent } from '../helpers/serve.js';

describe('serve against hostile requests', () => {
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let server: Awaited<ReturnType<typeof startCli>>;
  let local: string;
  const { env, cwd } = publicServeEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
  beforeAll(async () => {
    agent = await startAgent();
    env.OPENCLAW_TELEPHONY_AGENT_URL = agent.url;
    server = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    local = JSON.parse(server.firstLine).url;
  });
  afterAll(async () => {
    await server.stop();
    await agent.close();
  });

  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
  const signedHeaders = (params: Record<string, string>, extra: Record<string, string> = {}) => ({
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': sign(PUBLIC + '/telephony/webhook', params),
    ...extra,
  });
  const turnsFor = (text: string) => agent.turns.filter((t) => t.text === text).length;

  it('a captured signed request resent with new idempotency tokens makes one agent turn', async () => {
    const params = smsParams({ MessageSid: 'SM' + 'e1'.repeat(16), Body: 'replayed with tokens' });
    const answers = [];
    for (const token of ['', 'evil-1', 'evil-2', 'evil-3']) {
      const res = await rawPost(local, '/telephony/webhook', form(params), signedHeaders(params, token ? { 'i-twilio-idempotency-token': token } : {}));
      expect(res.status).toBe(200);
      answers.push(res.body);
    }
    expect(turnsFor('replayed with tokens')).toBe(1);
    expect(new Set(answers).size).toBe(1);
  });

  it('fragments added to the request target make no new turn', async () => {
    const params = smsParams({ MessageSid: 'SM' + 'e2'.repeat(16), Body: 'replayed with fragments' });
    for (const target of ['/telephony/webhook', '/telephony/webhook#1', '/telephony/webhook#2']) {
      expect((await rawPost(local, target, form(params), signedHeaders(params))).status).toBe(200);
    }
    expect(turnsFor('replayed with fragments')).toBe(1);
  });

  it('closes a connection whose announced body never comes', async () => {
    const socket = connect(Number(new URL(local).port), '127.0.0.1');
    let closed = false;
    let answer = '';
    socket.on('close', () => (closed = true));
    socket.on('data', (d) => (answer += d)); // reading also lets 'close' come
    socket.on('error', () => undefined); // a reset is a close too
    socket.write('POST /telephony/webhook HTTP/1.1\r\nHost: bot.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n');
    await expect.poll(() => closed, { timeout: 15_000, interval: 200 }).toBe(true);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    socket.destroy();
  });

  it('answers malformed JSON and an absolute-form target with 4xx, counted as refused and not as errors', async () => {
    const json = await rawPost(local, '/telephony/webhook', '{"AccountSid": "AC', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    const absolute = await rawPost(local, 'http://evil.example/telephony/webhook', form(smsParams()), { 'content-type': 'application/x-www-form-urlencoded', host: 'evil.example' });
    expect([400, 403]).toContain(absolute.status);
    const metrics = await (await fetch(`${local}/metrics`)).text();
    expect(metrics).toContain('openclaw_telephony_webhooks_refused_total');
    expect(metrics).not.toContain('openclaw_telephony_webhook_errors_total');
    expect((await fetch(`${local}/healthz`)).status).toBe(200);
  });

  it('drops characters XML 1.0 forbids from the TwiML answer', async () => {
    const body = 'bad\u0000bytes\u001b[31m\u0008here\uFFFF!';
    const params = smsParams({ MessageSid: 'SM' + 'e3'.repeat(16), Body: body });
    const res = await rawPost(local, '/telephony/webhook', form(params), signedHeaders(params));
    expect(res.status).toBe(200);
    expect(res.body).toContain('>agent heard: badbytes[31mhere!</Message>');
    expect(res.body).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
  });
});

describe('skipSignatureVerification beyond loopback', () => {
  const { env, cwd } = publicServeEnv({ OPENCLAW_TELEPHONY_SKIP_SIGNATURE_VERIFICATION: 'true', OPENCLAW_TELEPHONY_AGENT_KIND: 'echo' });

  it('refuses to start with a tunnel or a public URL that is not loopback, and says how to fix it', async () => {
    const tunnel = await telephony(['serve', '--port', '0', '--tunnel', 'tailscale-funnel', '--public-url', 'http://127.0.0.1:1'], { env, cwd });
    expect(tunnel.code).toBe(3);
    expect(tunnel.stderr).toContain('tailscale-funnel tunnel');
    expect(tunnel.stderr).toContain('skipSignatureVerification');
    const remote = await telephony(['serve', '--port', '0'], { env, cwd });
    expect(remote.code).toBe(3);
    expect(remote.stderr).toContain(`publicUrl ${PUBLIC} is not a loopback address`);
  });

  it('still starts on loopback with a loopback public URL', async () => {
    const server = await startCli(['serve', '--port', '0', '--json'], { env: { ...env, OPENCLAW_TELEPHONY_PUBLIC_URL: 'http://127.0.0.1:8080' }, cwd });
    expect(JSON.parse(server.firstLine).publicUrl).toBe('http://127.0.0.1:8080');
    expect(await server.stop()).toBe(0);
  });
});
