/**
 * One serve per SQLite file, inside one process: the OpenClaw Gateway restarts a channel in its own
 * process and may start the new account while the old one is still stopping, so the new one waits for
 * the old row to go instead of being refused; a second account that is not stopping is refused; a row
 * this process left behind (its leaving failed), or one of another machine not seen for the expiry, is
 * no instance. The refusal between two processes is test/e2e/serve-one-per-sqlite.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { joinAsInstance, type ServeInstance } from '../../src/server/instance.js';
import { newOwnerId } from '../../src/store/claims.js';
import { liveInstances } from '../../src/store/instances.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { statement } from '../../src/store/statement.js';
import { sqliteUrl } from '../helpers/stores.js';

const fail = (err: Error) => {
  throw err;
};
const INSERT_ROW = statement('INSERT INTO instances (id, host, pid, started_at, version, url, public_url, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');

describe('one serve per SQLite file, in one process', () => {
  const stores: Store[] = [];
  const instances: ServeInstance[] = [];
  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.leave().catch(() => undefined);
    for (const store of stores.splice(0)) await store.close();
  });
  const open = async (url: string) => {
    const store = await openStore(url);
    stores.push(store);
    return store;
  };
  const join = async (store: Store, signal?: AbortSignal) => {
    const instance = await joinAsInstance(store, { version: 'test', signal, onError: fail });
    instances.push(instance);
    return instance;
  };

  // The Gateway may also load the plugin anew for the new account: another copy of instance.ts.
  it.each([
    ['the same copy of the module', async () => joinAsInstance],
    ['the plugin loaded anew: another copy of the module', async () => (vi.resetModules(), (await import('../../src/server/instance.js')).joinAsInstance)],
  ])('a channel restarting in the same process (%s): the new account waits for the stopping one to leave, then starts', async (_, newCopy) => {
    const url = sqliteUrl();
    const oldStop = new AbortController();
    const old = await join(await open(url), oldStop.signal);
    await old.listening('http://127.0.0.1:1');
    const joinAgain = await newCopy();
    // The Gateway aborts the old account and starts the new one before the old one's cleanup is done.
    oldStop.abort();
    const store = await open(url);
    // The new one found the old row in its way (it did not join beside it) ...
    let foundOther = false;
    const readOne = store.readOne;
    store.readOne = (s, params) => ((foundOther = true), readOne(s, params));
    const events: string[] = [];
    const next = joinAgain(store, { version: 'test', onError: fail }).then((instance) => (instances.push(instance), events.push('joined'), instance));
    await expect.poll(() => foundOther).toBe(true);
    // ... and waits for it to leave instead of being refused by it, or taking it for a leftover.
    await old.leave().then(() => events.push('left'));
    const instance = await next;
    expect(events).toEqual(['left', 'joined']);
    expect((await liveInstances(store)).map((i) => i.id)).toEqual([instance.id]);
  });

  it('a second account of the same process on the same file, not stopping, is refused and names this process', async () => {
    const url = sqliteUrl();
    const first = await join(await open(url));
    await first.listening('http://127.0.0.1:1');
    const refused = join(await open(url));
    await expect(refused).rejects.toMatchObject({ code: 'store_in_use', exitCode: 3, hint: expect.stringContaining('use PostgreSQL') });
    await expect(refused).rejects.toThrow(`another telephony account of this same process (${process.pid})`);
    await expect(refused).rejects.toThrow('listening on http://127.0.0.1:1');
  });

  it('two accounts of the same process starting at the same moment on one file: exactly one joins', async () => {
    const url = sqliteUrl();
    const [a, b] = [await open(url), await open(url)];
    // The worst order: A's row is in, but B looks at it before A's join has returned.
    let bSawA = false;
    const bReadOne = b.readOne;
    b.readOne = (s, params) => ((bSawA = true), bReadOne(s, params));
    const aRun = a.run;
    a.run = async (s, params) => {
      const changed = await aRun(s, params);
      a.run = aRun;
      await expect.poll(() => bSawA).toBe(true);
      return changed;
    };
    const started = await Promise.allSettled([join(a), join(b)]);
    expect(started.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    expect(started.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason.code)).toEqual(['store_in_use']);
    expect(await liveInstances(a)).toHaveLength(1);
  });

  it("a row this process could not remove (its leaving failed) does not keep the next instance out", async () => {
    const store = await open(sqliteUrl());
    const leftover = newOwnerId();
    await store.run(INSERT_ROW, [leftover, 'here', process.pid, new Date().toISOString(), 'test', 'http://127.0.0.1:1', null, Date.now()]);
    const instance = await join(store);
    expect((await liveInstances(store)).map((i) => i.id)).toEqual([instance.id]);
  });

  it("another machine's live row refuses; once not seen for 10 s it counts as gone", async () => {
    const store = await open(sqliteUrl());
    const elsewhere = 'other-machine:4242:0badc0de';
    await store.run(INSERT_ROW, [elsewhere, 'other-machine', 4242, new Date().toISOString(), 'test', 'http://10.0.0.9:3000', null, Date.now()]);
    await expect(join(store)).rejects.toThrow('process 4242 on other-machine');
    await store.run(statement('UPDATE instances SET last_seen = ? WHERE id = ?'), [Date.now() - 11_000, elsewhere]);
    const instance = await join(store);
    expect((await liveInstances(store)).map((i) => i.id)).toEqual([instance.id]);
  });
});
