/**
 * Several serve instances on one PostgreSQL store, in one test process: each "instance" is its own
 * store connection (pool) and its own row in the instances table, as two processes would be. The
 * end-to-end test with two serve processes behind a proxy is test/e2e/serve-instances.test.ts.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeduplicator } from '../../src/server/dedup.js';
import { joinAsInstance, type ServeInstance } from '../../src/server/instance.js';
import { createSessionRegistry } from '../../src/server/sessions.js';
import { createTurnOrder } from '../../src/server/turn-order.js';
import { liveInstances } from '../../src/store/instances.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import type { Param, Statement } from '../../src/store/statement.js';
import { recordingRows } from '../helpers/recording-store.js';
import { freshPgUrl, PG_URL, requirePgInCi } from '../helpers/stores.js';

requirePgInCi();

const ANSWER = { status: 200, type: 'text/xml', body: '<Response><Message>once</Message></Response>' };
const fail = (err: Error) => {
  throw err;
};
/** Longer than any test here: a turn gives up waiting only where a test says so. */
const WAIT_LONG = { maxWaitMs: 600_000 };

describe.skipIf(!PG_URL)('serve instances sharing a PostgreSQL store', () => {
  const opened: { store: Store; instance: ServeInstance }[] = [];
  const orders: { stop(): void }[] = [];
  afterEach(async () => {
    for (const order of orders.splice(0)) order.stop();
    for (const { store, instance } of opened.splice(0)) {
      await instance.leave().catch(() => undefined);
      await store.close();
    }
  });
  /** Two instances on one new database. */
  const twoInstances = async () => {
    const url = await freshPgUrl();
    for (const version of ['1.0.0-a', '1.0.0-b']) {
      const store = await openStore(url);
      const instance = await joinAsInstance(store, { version, onError: fail });
      await instance.listening(`http://127.0.0.1:${opened.length + 1}`);
      opened.push({ store, instance });
    }
    return opened.slice(-2);
  };

  it('a webhook and its copy reaching two instances at once make one turn; the copy waits for the first answer', async () => {
    const [a, b] = await twoInstances();
    const dedupA = createDeduplicator(a.store, a.instance.id);
    const dedupB = createDeduplicator(b.store, b.instance.id);
    let turns = 0;
    let finish!: () => void;
    const slowTurn = () => new Promise<typeof ANSWER>((resolve) => ((finish = () => resolve(ANSWER)), turns++));
    const first = dedupA.once('msg:/telephony/webhook:SM1:', 'inbound', slowTurn);
    await expect.poll(() => turns).toBe(1);
    const copy = dedupB.once('msg:/telephony/webhook:SM1:', 'inbound', async () => (turns++, ANSWER));
    // The copy is waiting on A's live claim, not handling it.
    await new Promise((r) => setImmediate(r));
    expect(turns).toBe(1);
    finish();
    expect(await first).toEqual({ answer: ANSWER, replayed: false, claimedBefore: false });
    expect(await copy).toEqual({ answer: ANSWER, replayed: true, claimedBefore: false });
    expect(turns).toBe(1);
  });

  it("an instance that left (or died) leaves its unanswered webhook to the others, handled once more and said so", async () => {
    const [a, b] = await twoInstances();
    const dedupA = createDeduplicator(a.store, a.instance.id);
    let started!: () => void;
    const turnStarted = new Promise<void>((r) => (started = r));
    void dedupA.once('msg:/telephony/webhook:SM2:', 'inbound', () => (started(), new Promise<typeof ANSWER>(() => undefined)));
    await turnStarted;
    await a.instance.leave();
    const retried = await createDeduplicator(b.store, b.instance.id).once('msg:/telephony/webhook:SM2:', 'inbound', async () => ANSWER);
    expect(retried).toEqual({ answer: ANSWER, replayed: false, claimedBefore: true });
  });

  it("an instance meeting its own unanswered claim (its release failed) handles the webhook again instead of waiting on itself", async () => {
    const [a] = await twoInstances();
    const now = Date.now();
    await a.store.db
      .insertInto('processed_webhooks')
      .values({ key: 'msg:/telephony/webhook:SM3:', route: 'inbound', response_status: 0, response_type: '', response_body: '', created_at: new Date(now).toISOString(), expires_at: new Date(now + 3_600_000).toISOString(), owner: a.instance.id })
      .execute();
    const again = await createDeduplicator(a.store, a.instance.id).once('msg:/telephony/webhook:SM3:', 'inbound', async () => ANSWER);
    expect(again).toEqual({ answer: ANSWER, replayed: false, claimedBefore: true });
  });

  it('turns of one conversation run in arrival order across instances; other conversations do not wait', async () => {
    const [a, b] = await twoInstances();
    // Each time B's turns looked for an earlier ticket and found one still held.
    const { store: storeB, rows: foundAhead } = recordingRows(b.store, /FROM turn_tickets t WHERE/);
    const sessionsA = createSessionRegistry(10, createTurnOrder(a.store, a.instance.id, fail, WAIT_LONG));
    const sessionsB = createSessionRegistry(10, createTurnOrder(storeB, b.instance.id, fail, WAIT_LONG));
    const log: string[] = [];
    let finishFirst!: () => void;
    const first = sessionsA.run('sms:+15550001111', async () => {
      log.push('first started');
      await new Promise<void>((r) => (finishFirst = r));
      log.push('first done');
    });
    await expect.poll(() => log).toEqual(['first started']);
    const second = sessionsB.run('sms:+15550001111', async () => log.push('second started'));
    const other = sessionsB.run('sms:+15550009999', async () => log.push('other conversation'));
    await other;
    // The second turn has its ticket and has found the first one ahead, twice: it keeps waiting, not started.
    await expect.poll(() => foundAhead.length).toBeGreaterThanOrEqual(2);
    expect(log).toEqual(['first started', 'other conversation']);
    finishFirst();
    await Promise.all([first, second]);
    expect(log).toEqual(['first started', 'other conversation', 'first done', 'second started']);
  });

  it('turns of one conversation arriving at both instances at the same moment never overlap', async () => {
    const [a, b] = await twoInstances();
    const registries = [createSessionRegistry(10, createTurnOrder(a.store, a.instance.id, fail, WAIT_LONG)), createSessionRegistry(10, createTurnOrder(b.store, b.instance.id, fail, WAIT_LONG))];
    let running = 0;
    let most = 0;
    const ran: number[] = [];
    const turn = (n: number) => async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      ran.push(n);
      running--;
    };
    await Promise.all(Array.from({ length: 16 }, (_, n) => registries[n % 2].run('sms:+15550003333', turn(n))));
    expect(most).toBe(1);
    expect(ran.sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, n) => n));
  });

  it("a dead instance's turn does not hold its conversation up", async () => {
    const [a, b] = await twoInstances();
    const sessionsA = createSessionRegistry(10, createTurnOrder(a.store, a.instance.id, fail, WAIT_LONG));
    let started = false;
    void sessionsA.run('sms:+15550002222', () => ((started = true), new Promise(() => undefined)));
    await expect.poll(() => started).toBe(true);
    await a.instance.leave();
    const sessionsB = createSessionRegistry(10, createTurnOrder(b.store, b.instance.id, fail, WAIT_LONG));
    expect(await sessionsB.run('sms:+15550002222', async () => 'ran')).toBe('ran');
  });

  it('lists the live instances with what doctor shows', async () => {
    const [a, b] = await twoInstances();
    const live = await liveInstances(a.store);
    expect(live.map((i) => i.id).sort()).toEqual([a.instance.id, b.instance.id].sort());
    expect(live[0]).toMatchObject({ pid: process.pid, version: expect.stringMatching(/^1\.0\.0-/), url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/) });
    expect(live[0].seen_ms_ago).toBeLessThan(10_000);
    await b.instance.leave();
    expect((await liveInstances(a.store)).map((i) => i.id)).toEqual([a.instance.id]);
  });

  it('a ticket whose giving back failed (a store hiccup) is given back later, so the conversation goes on on every instance', async () => {
    const [a, b] = await twoInstances();
    const errors: Error[] = [];
    const orderA = createTurnOrder(a.store, a.instance.id, (err) => errors.push(err), WAIT_LONG);
    orders.push(orderA);
    // A real PostgreSQL failure, for as long as the trigger exists: every ticket's DELETE is refused.
    await sql.raw(`CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'store hiccup'; END $$`).execute(a.store.db);
    await sql.raw('CREATE TRIGGER hiccup BEFORE DELETE ON turn_tickets FOR EACH ROW EXECUTE FUNCTION refuse_delete()').execute(a.store.db);
    expect(await createSessionRegistry(10, orderA).run('sms:+15550004444', async () => 'first')).toBe('first');
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('store hiccup')]);
    await sql.raw('DROP TRIGGER hiccup ON turn_tickets').execute(a.store.db);
    // B waits as long as it takes (no give-up here): only A giving the ticket back lets its turn run.
    const sessionsB = createSessionRegistry(10, createTurnOrder(b.store, b.instance.id, fail, WAIT_LONG));
    expect(await sessionsB.run('sms:+15550004444', async () => 'second')).toBe('second');
    const tickets = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM turn_tickets`.execute(a.store.db)).rows[0].n);
    await expect.poll(tickets).toBe(0);
    expect(errors).toHaveLength(1); // the failure is said once, not at every retry
  });

  it('a turn ahead that a live instance never finishes holds its conversation up only for the longest wait, then says so', async () => {
    const [a, b] = await twoInstances();
    const sessionsA = createSessionRegistry(10, createTurnOrder(a.store, a.instance.id, fail, WAIT_LONG));
    let started = false;
    void sessionsA.run('sms:+15550005555', () => ((started = true), new Promise(() => undefined)));
    await expect.poll(() => started).toBe(true);
    const warnings: Error[] = [];
    const sessionsB = createSessionRegistry(10, createTurnOrder(b.store, b.instance.id, (err) => warnings.push(err), { maxWaitMs: 300 }));
    expect(await sessionsB.run('sms:+15550005555', async () => 'ran')).toBe('ran');
    expect(warnings.map((e) => e.message)).toEqual([expect.stringMatching(/has not finished in 300 ms; this turn goes on without waiting/)]);
  });

  it('a heartbeat already on its way when the instance leaves does not bring its row back', async () => {
    const store = await openStore(await freshPgUrl());
    // The instance's statements go through this watch, which holds its first heartbeat until the test lets it go.
    let beatHeld!: () => void;
    const beatArrived = new Promise<void>((r) => (beatHeld = r));
    let releaseBeat!: () => void;
    const gate = new Promise<void>((r) => (releaseBeat = r));
    let deleteSent: Promise<number> | undefined;
    let running = 0;
    const run = async (statement: Statement, params: Param[]) => {
      running++;
      try {
        if (statement.postgres.startsWith('UPDATE instances')) (beatHeld(), await gate);
        const result = store.run(statement, params);
        if (statement.postgres.startsWith('DELETE FROM instances WHERE id')) deleteSent = result;
        return await result;
      } finally {
        running--;
      }
    };
    const watched: Store = Object.create(store, { run: { value: run } });
    const instance = await joinAsInstance(watched, { version: '1.0.0-a', onError: fail });
    opened.push({ store, instance });
    await beatArrived;
    const leaving = instance.leave();
    // A DELETE sent at once lands before the held beat, as it can on a pool of connections.
    await deleteSent;
    releaseBeat();
    await leaving;
    await expect.poll(() => running).toBe(0);
    expect((await liveInstances(store)).map((i) => i.id)).not.toContain(instance.id);
  });
});
