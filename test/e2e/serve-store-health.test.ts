/** When another process holds the SQLite write lock, serve answers webhooks 503 quickly and /healthz says so; it recovers on its own. */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { PUBLIC, publicServeEnv, rawPost, sign, smsParams, startAgent } from '../helpers/serve.js';

describe('serve when the store cannot take writes', () => {
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let server: Awaited<ReturnType<typeof startCli>>;
  let local: string;
  const { env, cwd, home } = publicServeEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
  const storeFile = path.join(home, 'locked.sqlite');
  beforeAll(async () => {
    agent = await startAgent();
    Object.assign(env, { OPENCLAW_TELEPHONY_AGENT_URL: agent.url, OPENCLAW_TELEPHONY_STORE_URL: storeFile });
    server = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    local = JSON.parse(server.firstLine).url;
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
    await agent.close();
  });

  const params = smsParams({ MessageSid: 'SM' + 'f1'.repeat(16), Body: 'while locked' });
  const deliver = () => rawPost(local, '/telephony/webhook', new URLSearchParams(params).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(PUBLIC + '/telephony/webhook', params) });
  const health = async () => {
    const res = await fetch(`${local}/healthz`);
    return { status: res.status, ...(await res.json()) };
  };

  it('answers 503 (not a stall, not 500) while another process holds the write lock, reports it on /healthz, and takes the retry after', async () => {
    expect(await health()).toMatchObject({ status: 200, ok: true, store: 'ok' });
    const other = new Database(storeFile);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      expect(await health()).toMatchObject({ status: 503, ok: false, store: 'locked' });
      const refused = await deliver();
      expect(refused.status).toBe(503);
      expect(agent.turns.filter((t) => t.text === 'while locked')).toHaveLength(0);
      expect(await health()).toMatchObject({ status: 503, ok: false });
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    // Twilio's retry goes through, once.
    const retried = await deliver();
    expect(retried.status).toBe(200);
    expect(retried.body).toContain('agent heard: while locked');
    expect(await health()).toMatchObject({ status: 200, ok: true, store: 'ok' });
    expect(agent.turns.filter((t) => t.text === 'while locked')).toHaveLength(1);
  });
});
