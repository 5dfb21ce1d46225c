/**
 * A PostgreSQL restart (or failover, or a proxy's idle timeout) ends every client connection: the
 * server terminates each backend. Nothing of ours may crash on it (an 'error' event nobody listens
 * to ends the process): the store reports itself unavailable while it cannot reach the server, and
 * the pool opens new connections when it can, so serve goes on taking webhooks.
 */
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { startCli } from '../helpers/cli.js';
import { PUBLIC, publicServeEnv, sign, smsParams, startAgent } from '../helpers/serve.js';
import { freshPgUrl, PG_URL, requirePgInCi } from '../helpers/stores.js';

requirePgInCi();

/** What a restart does to clients: every other backend of the database is terminated. */
async function terminateBackends(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    return res.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

describe.skipIf(!PG_URL)('the store when PostgreSQL terminates its connections', () => {
  let url: string;
  let store: Store;
  beforeAll(async () => {
    url = await freshPgUrl();
    store = await openStore(url);
  }, 60_000);
  afterAll(() => store?.close());

  it('survives the loss of a connection it holds (Kysely, a transaction), and works again after', async () => {
    await store.db.connection().execute(async (held) => {
      await sql`SELECT 1`.execute(held);
      expect(await terminateBackends(url)).toBeGreaterThan(0);
      // The held client hears the server's goodbye while idle; unheard, that 'error' would end the process.
      await expect.poll(() => sql`SELECT 1`.execute(held).then(() => 'alive', () => 'lost'), { timeout: 20_000, interval: 100 }).toBe('lost');
    });
    await expect.poll(() => store.health(), { timeout: 20_000, interval: 200 }).toEqual({ state: 'ok' });
    expect(await store.readOne<{ n: number }>({ sqlite: 'SELECT 1 AS n', postgres: 'SELECT 1 AS n' }, [])).toEqual({ n: 1 });
  }, 60_000);
});

describe.skipIf(!PG_URL)('serve when PostgreSQL restarts', () => {
  let url: string;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let server: Awaited<ReturnType<typeof startCli>>;
  let local: string;
  beforeAll(async () => {
    url = await freshPgUrl();
    agent = await startAgent();
    const { env, cwd } = publicServeEnv({ OPENCLAW_TELEPHONY_STORE_URL: url, OPENCLAW_TELEPHONY_AGENT_URL: agent.url, OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
    server = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    local = JSON.parse(server.firstLine).url;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await agent?.close();
  });

  const statuses: number[] = [];
  const deliver = async (sid: string, body: string) => {
    const params = smsParams({ MessageSid: sid, Body: body });
    const res = await fetch(`${local}/telephony/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(PUBLIC + '/telephony/webhook', params) },
      body: new URLSearchParams(params),
    });
    statuses.push(res.status);
    return res.status;
  };

  it('keeps running, answers 200 or 503 (never 500), and processes the next webhook', async () => {
    expect(await deliver('SM' + 'd1'.repeat(16), 'before the restart')).toBe(200);
    for (let round = 0; round < 3; round++) {
      expect(await terminateBackends(url)).toBeGreaterThan(0);
      const sid = 'SM' + `e${round}`.repeat(16);
      // Twilio retries a 503 with the same MessageSid; the retry after the pool reconnected goes through, once.
      await expect.poll(() => deliver(sid, `after restart ${round}`), { timeout: 30_000, interval: 300 }).toBe(200);
      expect(agent.turns.filter((t) => t.text === `after restart ${round}`)).toHaveLength(1);
      expect(server.child.exitCode).toBeNull();
    }
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    const health = await fetch(`${local}/healthz`);
    expect(health.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    expect(server.stderr()).not.toMatch(/Unhandled 'error' event/);
  }, 120_000);
});
