import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import { createMigrationProvider } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open-store.js';
import { isOptedOut } from '../../src/store/optouts.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

/** Runs an ES module snippet in a new Node process with one argument; resolves with its trimmed stdout. */
const runNode = (source: string, arg: string) =>
  new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', source, arg], (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
  });

const TABLES = ['allowlist', 'approvals', 'auto_replies', 'calls', 'events', 'idempotency_keys', 'messages', 'optouts', 'pairing_requests', 'processed_webhooks', 'rate_slots', 'rate_sends', 'instances', 'turn_tickets', 'outbound_media', 'turn_lines', 'api_slots', 'number_originals', 'reply_plans'].sort();

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`store on ${kind.name}`, () => {
    it('creates every table on open and re-opens without migrating twice', async () => {
      const url = await kind.url();
      const store = await openStore(url);
      const tables = (await store.db.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith('kysely_'));
      expect(tables.sort()).toEqual(TABLES);
      await store.close();
      const again = await openStore(url);
      const migrations = await sql<{ name: string }>`select name from kysely_migration`.execute(again.db);
      expect(migrations.rows.map((r) => r.name)).toEqual(Object.keys(await createMigrationProvider(kind.name).getMigrations()));
      await again.close();
    });

    it('several processes opening a new store at once all get the migrated schema', async () => {
      const url = await kind.url();
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(url)));
      for (const store of stores) expect(await store.db.selectFrom('idempotency_keys').select('sid').execute()).toEqual([]);
      await Promise.all(stores.map((s) => s.close()));
    });

    it.runIf(kind.name === 'sqlite')('separate processes opening one new SQLite file at once all migrate it (rounds of three)', { timeout: 180_000 }, async () => {
      // The race is between processes (each with its own connection), so it takes real child processes.
      const open = `import { openStore } from ${JSON.stringify(pathToFileURL(path.resolve('dist/store/open-store.js')).href)};
        try { const s = await openStore(process.argv[1]); await s.close(); console.log('ok'); } catch (e) { console.log(e.message); }`;
      const outcomes: string[] = [];
      for (let round = 0; round < 12; round++) {
        const url = await kind.url();
        outcomes.push(...(await Promise.all(Array.from({ length: 3 }, () => runNode(open, url)))));
      }
      expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    });

    it.runIf(kind.name === 'postgres')('separate processes opening one new PostgreSQL database at once: each migration applied by exactly one of them', { timeout: 90_000 }, async () => {
      const open = `import { openStore } from ${JSON.stringify(pathToFileURL(path.resolve('dist/store/open-store.js')).href)};
        try { const s = await openStore(process.argv[1]); console.log(JSON.stringify(s.migrated)); await s.close(); } catch (e) { console.log(JSON.stringify(e.message)); }`;
      const names = Object.keys(await createMigrationProvider('postgres').getMigrations());
      for (let round = 0; round < 2; round++) {
        const url = await kind.url();
        const applied = (await Promise.all(Array.from({ length: 4 }, () => runNode(open, url)))).map((o) => JSON.parse(o) as string[]);
        expect(applied.every(Array.isArray)).toBe(true);
        expect(applied.flat().sort()).toEqual(names);
        // The others waited for the lock, then found nothing to do.
        expect(applied.filter((a) => a.length === 0)).toHaveLength(3);
      }
    });

    it('writes and reads rows, auto-numbers events and enforces unique keys', async () => {
      const store = await openStore(await kind.url());
      const now = new Date().toISOString();
      await store.db.insertInto('events').values({ at: now, kind: 'twilio.sms.send', correlation_id: 'c1', data: '{}' }).execute();
      await store.db.insertInto('events').values({ at: now, kind: 'twilio.sms.send', correlation_id: 'c2', data: '{}' }).execute();
      const ids = (await store.db.selectFrom('events').select('id').orderBy('id').execute()).map((r) => r.id);
      expect(ids).toEqual([1, 2]);
      const key = { key: 'k1', scope: 'sms', request: '{"to":"+15550005678"}', state: 'pending' as const, result: null, created_at: now, settled_at: null };
      await store.db.insertInto('idempotency_keys').values(key).execute();
      await expect(store.db.insertInto('idempotency_keys').values(key).execute()).rejects.toThrow();
      await store.db.updateTable('idempotency_keys').set({ state: 'settled', result: '{"sid":"SM1"}', settled_at: now }).where('key', '=', 'k1').execute();
      const row = await store.db.selectFrom('idempotency_keys').selectAll().where('key', '=', 'k1').executeTakeFirstOrThrow();
      expect(row.state).toBe('settled');
      await store.db.insertInto('optouts').values({ phone: '+15550005678', source: 'cli', created_at: now }).execute();
      expect(await store.db.selectFrom('optouts').select('phone').execute()).toEqual([{ phone: '+15550005678' }]);
      await store.close();
    });
  });
}

describe('SQLite specifics', () => {
  it('uses WAL mode', async () => {
    const url = await storeKinds[0].url();
    const store = await openStore(url);
    await store.close();
    const raw = new BetterSqlite3(url);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('closed for exit by a process that then exits: no checkpoint, the write-ahead log stays beside the file with every write, and the next open reads it', async () => {
    const url = await storeKinds[0].url();
    // Migrated first, as by an earlier run: the process below then opens it without Kysely, as `send` does.
    await (await openStore(url)).close();
    expect(existsSync(`${url}-wal`)).toBe(false);
    const dist = (file: string) => JSON.stringify(pathToFileURL(path.resolve('dist/store', file)).href);
    const exiting = `import { openStore } from ${dist('open-store.js')}; import { addOptOut } from ${dist('optouts.js')};
      const s = await openStore(process.argv[1], { queryBuilder: false }); await addOptOut(s, '+15550001111', 'operator'); await s.closeForExit();
      console.log('closed'); process.exit(0);`;
    expect(await runNode(exiting, url)).toBe('closed');
    // Closed as close() closes it, SQLite would have copied the log into the file and deleted it.
    expect(statSync(`${url}-wal`).size).toBeGreaterThan(0);
    const raw = new BetterSqlite3(url, { readonly: true });
    expect(raw.prepare('SELECT phone, source FROM optouts').all()).toEqual([{ phone: '+15550001111', source: 'operator' }]);
    raw.close();
    // The next store's close() checkpoints it: the log is copied into the file and deleted.
    const next = await openStore(url, { queryBuilder: false });
    expect(await isOptedOut(next, '+15550001111')).toBe(true);
    await next.close();
    expect(existsSync(`${url}-wal`)).toBe(false);
    const after = new BetterSqlite3(url, { readonly: true });
    expect(after.prepare('SELECT count(*) AS n FROM optouts').get()).toEqual({ n: 1 });
    after.close();
  });
});
