/**
 * A PostgreSQL server that stops answering (a stopped process, a paused VM, packets dropped) makes
 * `send` and `serve` fail within a bounded time, with an error naming the store (password removed)
 * and the fix; a running serve reports it on /healthz, answers webhooks 503, and recovers when the
 * server answers again.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, startCli } from '../helpers/cli.js';
import { PUBLIC, publicServeEnv, sign, smsParams, startAgent } from '../helpers/serve.js';
import { freshPgUrl, PG_URL, requirePgInCi } from '../helpers/stores.js';
import { startBlackHole, startFreezableRelay, type FreezableRelay, type TcpFault } from '../helpers/tcp-fault.js';

requirePgInCi();

/** The CLI, killed if it is still running after `limitMs` (the old code waited for ever). */
function runBounded(args: string[], env: NodeJS.ProcessEnv, cwd: string, limitMs: number) {
  const started = Date.now();
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd, timeout: limitMs, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

describe('a PostgreSQL store that never answers', () => {
  let hole: TcpFault;
  beforeAll(async () => {
    hole = await startBlackHole();
  });
  afterAll(() => hole.close());
  const url = () => `postgres://probe:s3cr3t-pw@127.0.0.1:${hole.port}/telephony`;

  it('send gives up after the default connect timeout, naming the store without its password and the fix', async () => {
    const { env, cwd } = publicServeEnv({ OPENCLAW_TELEPHONY_STORE_URL: url(), OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9', TWILIO_PHONE_NUMBER: '+15550002222' });
    const res = await runBounded(['send', '+15550009999', 'hello', '--json'], env, cwd, 90_000);
    expect(res.ms).toBeLessThan(60_000);
    expect(res.code).toBe(6);
    const { error } = JSON.parse(res.stdout);
    expect(error.code).toBe('store_unavailable');
    expect(error.message).toMatch(new RegExp(`The PostgreSQL store at postgres://\\S*@127\\.0\\.0\\.1:${hole.port}/telephony did not answer`));
    expect(error.message).toContain('10 s to connect');
    expect(error.hint).toMatch(/connect_timeout/);
    expect(res.stdout + res.stderr).not.toContain('s3cr3t-pw');
  }, 120_000);

  it('serve refuses to start within connect_timeout from store.url, and says why', async () => {
    const { env, cwd } = publicServeEnv({ OPENCLAW_TELEPHONY_STORE_URL: `${url()}?connect_timeout=2`, OPENCLAW_TELEPHONY_AGENT_KIND: 'echo', OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
    const res = await runBounded(['serve', '--port', '0'], env, cwd, 90_000);
    expect(res.ms).toBeLessThan(45_000);
    expect(res.code).toBe(6);
    expect(res.stderr).toMatch(new RegExp(`The PostgreSQL store at postgres://\\S*@127\\.0\\.0\\.1:${hole.port}/telephony\\?connect_timeout=2 did not answer`));
    expect(res.stderr).toContain('2 s to connect');
    expect(res.stderr).toMatch(/fix:.*running and reachable/);
    expect(res.stdout + res.stderr).not.toContain('s3cr3t-pw');
  }, 120_000);
});

describe.skipIf(!PG_URL)('serve when its PostgreSQL server freezes and comes back', () => {
  let relay: FreezableRelay;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let server: Awaited<ReturnType<typeof startCli>>;
  let local: string;
  beforeAll(async () => {
    const real = new URL(await freshPgUrl());
    relay = await startFreezableRelay({ host: real.hostname, port: Number(real.port) });
    real.port = String(relay.port);
    // A short statement limit keeps the test quick; the defaults are 10 s to connect and 30 s a statement.
    real.searchParams.set('statement_timeout', '2000');
    real.searchParams.set('connect_timeout', '3');
    agent = await startAgent();
    const { env, cwd } = publicServeEnv({ OPENCLAW_TELEPHONY_STORE_URL: real.toString(), OPENCLAW_TELEPHONY_AGENT_URL: agent.url, OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
    server = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    local = JSON.parse(server.firstLine).url;
  }, 60_000);
  afterAll(async () => {
    relay?.thaw();
    await server?.stop();
    await agent?.close();
    await relay?.close();
  });

  const health = async () => {
    const res = await fetch(`${local}/healthz`);
    return { status: res.status, ...(await res.json()) } as { status: number; store: string; storeDetail?: string };
  };
  const deliver = async (sid: string, body: string) => {
    const params = smsParams({ MessageSid: sid, Body: body });
    const started = Date.now();
    const res = await fetch(`${local}/telephony/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(PUBLIC + '/telephony/webhook', params) },
      body: new URLSearchParams(params),
    });
    return { status: res.status, body: await res.text(), ms: Date.now() - started };
  };

  it('reports the store unavailable, answers webhooks 503 in bounded time, stays up, and recovers', async () => {
    expect(await health()).toMatchObject({ status: 200, store: 'ok' });
    expect((await deliver('SM' + 'c1'.repeat(16), 'before the freeze')).status).toBe(200);

    relay.freeze();
    await expect.poll(health, { timeout: 30_000, interval: 500 }).toMatchObject({ status: 503, store: 'unavailable' });
    const refused = await deliver('SM' + 'c2'.repeat(16), 'during the freeze');
    expect(refused.status).toBe(503);
    expect(refused.ms).toBeLessThan(30_000);
    expect(agent.turns.filter((t) => t.text === 'during the freeze')).toHaveLength(0);

    relay.thaw();
    await expect.poll(health, { timeout: 30_000, interval: 500 }).toMatchObject({ status: 200, store: 'ok' });
    // Twilio's retry goes through, once.
    const retried = await deliver('SM' + 'c2'.repeat(16), 'during the freeze');
    expect(retried.status).toBe(200);
    expect(agent.turns.filter((t) => t.text === 'during the freeze')).toHaveLength(1);
    expect(server.child.exitCode).toBeNull();
  }, 120_000);
});
