/**
 * `doctor` and the store (trial G7, G8): a store that does not answer fails doctor with exit 6, the
 * code send and serve give the same store_unavailable; `doctor --json`'s store check carries the
 * store's kind, schema level and live serve instances as fields, beside its prose, and the webhooks a
 * serve instance died handling (webhook.orphaned) in the last 24 h with the newest's time.
 */
import { describe, expect, it } from 'vitest';
import { createDeduplicator } from '../../src/server/dedup.js';
import { sweepDeadInstances } from '../../src/server/orphaned-webhooks.js';
import { newOwnerId } from '../../src/store/claims.js';
import { joinInstances, leaveInstances } from '../../src/store/instances.js';
import { openStore } from '../../src/store/open-store.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { publicServeEnv } from '../helpers/serve.js';
import { freshPgUrl, PG_URL, sqliteUrl } from '../helpers/stores.js';

const storeCheckOf = (stdout: string) => (JSON.parse(stdout) as { checks: Record<string, unknown>[] }).checks.find((c) => c.name === 'store')!;

describe('doctor and the store', () => {
  it.each([
    { kind: 'sqlite', skip: false, url: async () => sqliteUrl() },
    { kind: 'postgres', skip: !PG_URL, url: freshPgUrl },
  ])('$kind: the store check has kind, schema and instances fields', async ({ kind, skip, url }) => {
    if (skip) return;
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_STORE_URL: await url() });
    const res = await telephony(['doctor', '--json'], { env, cwd });
    const store = storeCheckOf(res.stdout);
    expect(store).toMatchObject({ status: 'pass', kind, instances: [], detail: expect.stringContaining('no serve instance is running on it') });
    const schema = store.schema as { latest: string; applied: number; known: number };
    expect(schema.applied).toBe(schema.known);
    expect(schema.applied).toBeGreaterThan(10);
    expect(store.detail).toContain(`schema ${schema.latest} (${schema.applied} of ${schema.known} migrations)`);
  }, 60_000);

  it.each([
    { kind: 'sqlite', skip: false, url: async () => sqliteUrl() },
    { kind: 'postgres', skip: !PG_URL, url: freshPgUrl },
  ])('$kind: webhooks a dead instance left unanswered are counted for the last 24 h with the newest time, in text and JSON', async ({ skip, url }) => {
    if (skip) return;
    const storeUrl = await url();
    // As serve leaves them: an instance claims a text's webhook, dies mid-turn, and a live one's heartbeat sweep finds it.
    const store = await openStore(storeUrl);
    try {
      const dead = newOwnerId();
      await joinInstances(store, { id: dead, host: 'test', pid: process.pid, started_at: new Date().toISOString(), version: 'test', url: '', public_url: null });
      let midTurn!: () => void;
      const started = new Promise<void>((r) => (midTurn = r));
      void createDeduplicator(store, dead).once(`msg:/telephony/webhook:SM${'d0'.repeat(16)}:`, 'sms', () => (midTurn(), new Promise(() => undefined)));
      await started;
      await leaveInstances(store, dead);
      await sweepDeadInstances(store);
    } finally {
      await store.close();
    }
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_STORE_URL: storeUrl });
    const json = storeCheckOf((await telephony(['doctor', '--json'], { env, cwd })).stdout);
    expect(json).toMatchObject({ status: 'warn', detail: expect.stringContaining('1 webhook orphaned in the last 24 h'), fix: expect.stringContaining('webhook.orphaned') });
    const orphaned = json.orphanedWebhooks as { last24h: number; newestAt: string };
    expect(Object.keys(orphaned).sort()).toEqual(['last24h', 'newestAt']);
    expect(orphaned.last24h).toBe(1);
    expect(Date.now() - Date.parse(orphaned.newestAt)).toBeLessThan(5 * 60_000);
    const text = await telephony(['doctor'], { env, cwd });
    expect(text.stdout).toContain(`1 webhook orphaned in the last 24 h (a serve instance stopped before answering; newest at ${orphaned.newestAt})`);
  }, 60_000);

  it('a PostgreSQL store that does not answer: exit 6 like send, store_unavailable in the JSON', async () => {
    const { env, cwd } = publicServeEnv({ OPENCLAW_TELEPHONY_STORE_URL: 'postgres://u@127.0.0.1:9/db', OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9', TWILIO_PHONE_NUMBER: '+15550002222' });
    const doctor = await telephony(['doctor', '--json'], { env, cwd });
    expect(storeCheckOf(doctor.stdout)).toMatchObject({ status: 'fail', error: 'store_unavailable' });
    expect(doctor.code).toBe(6);
    const send = await telephony(['send', '+15550009999', 'hello', '--json'], { env, cwd });
    expect(send.code).toBe(doctor.code);
  }, 60_000);
});
