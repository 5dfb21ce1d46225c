/**
 * Issue #18: the store and the sandbox's store on Node's built-in node:sqlite, the driver used when
 * better-sqlite3's native addon cannot be loaded (OpenClaw installs plugins without building it).
 * OPENCLAW_TELEPHONY_TEST_SQLITE_DRIVER=node:sqlite forces it here; on Node 20, which has no
 * node:sqlite, forcing it gives the clear error instead.
 */
import { execFile } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openSandboxStore } from '../../src/sandbox/sandbox-store.js';
import { openStore } from '../../src/store/open-store.js';
import { findOutboundMedia, storeOutboundMedia } from '../../src/store/outbound-media.js';
import { statement } from '../../src/store/statement.js';
import { sqliteUrl } from '../helpers/stores.js';

process.env.OPENCLAW_TELEPHONY_TEST_SQLITE_DRIVER = 'node:sqlite';
afterAll(() => void delete process.env.OPENCLAW_TELEPHONY_TEST_SQLITE_DRIVER);

interface RawNodeSqlite {
  DatabaseSync: new (file: string) => { exec(sql: string): void; close(): void };
}
const nodeSqlite = process.getBuiltinModule?.('node:sqlite') as RawNodeSqlite | undefined;
const [major, minor] = process.versions.node.split('.').map(Number);
const USABLE = Boolean(nodeSqlite) && (major > 22 || (major === 22 && minor >= 16));

const ADD_OPTOUT = statement('INSERT INTO optouts (phone, source, created_at) VALUES (?, ?, ?)');
const FIND_OPTOUT = statement('SELECT phone, source FROM optouts WHERE phone = ?');
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** An ES module snippet in a new Node process (the driver forced through the environment); its trimmed stdout. */
const runNode = (source: string, arg: string) =>
  new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', source, arg], (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout: stdout.trim(), stderr })));
  });

describe.skipIf(!USABLE)('store on node:sqlite (Node >= 22.16; Node 20 has no node:sqlite and skips this)', () => {
  it('opens and migrates through Kysely, in WAL mode, owner-only, with the busy timeout; rows are plain objects', async () => {
    const file = sqliteUrl();
    const store = await openStore(file);
    expect(store.driver).toBe('node:sqlite');
    expect(store.migrated.length).toBeGreaterThan(10);
    expect(await store.readOne(statement('PRAGMA journal_mode'), [])).toEqual({ journal_mode: 'wal' });
    // Read through Kysely: store.readOne runs its statement with SQLite's busy handler off (it waits for
    // a lock from a timer instead, sqlite-lock-wait.ts), so it would read 0 there.
    expect((await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(store.db)).rows).toEqual([{ timeout: 5000 }]);
    if (process.platform !== 'win32') expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    const now = new Date().toISOString();
    await store.db.insertInto('events').values({ at: now, kind: 'twilio.sms.send', correlation_id: 'c1', data: '{}' }).execute();
    const inserted = await store.db.insertInto('events').values({ at: now, kind: 'twilio.sms.send', correlation_id: 'c2', data: '{}' }).executeTakeFirst();
    expect(inserted.insertId).toBe(2n);
    const rows = await store.db.selectFrom('events').select(['id', 'correlation_id']).orderBy('id').execute();
    expect(rows).toStrictEqual([{ id: 1, correlation_id: 'c1' }, { id: 2, correlation_id: 'c2' }]);
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    const streamed = [];
    for await (const row of store.db.selectFrom('events').select('correlation_id').orderBy('id').stream()) streamed.push(row.correlation_id);
    expect(streamed).toEqual(['c1', 'c2']);
    const updated = await store.db.updateTable('events').set({ data: '{"x":1}' }).where('id', '=', 1).executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(1n);
    await store.close();
    const again = await openStore(file);
    expect(again.migrated).toEqual([]);
    await again.close();
  });

  it('group commit, fixed statements and Kysely transactions; a failing write fails alone with SQLite error codes', async () => {
    const store = await openStore(sqliteUrl());
    const now = new Date().toISOString();
    const phones = Array.from({ length: 20 }, (_, i) => `+1555000${String(i).padStart(4, '0')}`);
    const outcomes = await Promise.allSettled([...phones.map((p) => store.write(ADD_OPTOUT, [p, 'test', now])), store.write(ADD_OPTOUT, [phones[0], 'again', now])]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(20);
    expect((outcomes.at(-1) as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY', message: expect.stringContaining('UNIQUE constraint failed') });
    expect(await store.readOne(FIND_OPTOUT, [phones[0]])).toStrictEqual({ phone: phones[0], source: 'test' });
    expect(await store.readOne(FIND_OPTOUT, ['+19999999999'])).toBeUndefined();
    expect(await store.run(statement("UPDATE optouts SET source = 'cli' WHERE phone LIKE ?"), ['+1555000001%'])).toBe(10);
    await expect(
      store.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('optouts').execute();
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect((await store.db.selectFrom('optouts').select('phone').execute()).length).toBe(20);
    await store.close();
  });

  it('blobs come back as Buffers with their exact bytes', async () => {
    const store = await openStore(sqliteUrl());
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    await storeOutboundMedia(store, { token: 't1', contentType: 'image/gif', filename: 'a.gif', bytes, sha256: 'x', expiresAt: Date.now() + 60_000 });
    const found = await findOutboundMedia(store, 't1');
    expect(Buffer.isBuffer(found?.bytes)).toBe(true);
    expect(Buffer.compare(found!.bytes as Buffer, bytes)).toBe(0);
    await store.close();
  });

  it('a write lock held by another connection: health says locked, writes wait for it (SQLITE_BUSY is retried), then commit', async () => {
    const file = sqliteUrl();
    const store = await openStore(file);
    const other = new nodeSqlite!.DatabaseSync(file);
    other.exec('BEGIN IMMEDIATE');
    expect(await store.health()).toEqual({ state: 'locked', detail: 'another process holds the write lock' });
    let settled = false;
    const write = store.write(ADD_OPTOUT, ['+15550001111', 'waited', new Date().toISOString()]).finally(() => (settled = true));
    await turns(5);
    expect(settled).toBe(false);
    other.exec('ROLLBACK');
    other.close();
    await write;
    expect(await store.readOne(FIND_OPTOUT, ['+15550001111'])).toEqual({ phone: '+15550001111', source: 'waited' });
    expect(await store.health()).toEqual({ state: 'ok' });
    await store.close();
  });

  it('a damaged file names the file and the fix', async () => {
    const file = sqliteUrl();
    writeFileSync(file, 'not a database, only text '.repeat(20));
    await expect(openStore(file)).rejects.toMatchObject({ code: 'store_damaged', message: expect.stringContaining(`The store ${file} is not a SQLite database, or it is damaged`) });
  });

  it("the sandbox's store keeps its state across a restart", async () => {
    const dir = path.dirname(sqliteUrl());
    const first = await openSandboxStore(dir);
    first.setMeta('account', 'AC1');
    first.put('message', { sid: 'SM1', body: 'hi' });
    first.put('message', { sid: 'SM2', body: 'there' });
    first.delete('message', 'SM1');
    first.close();
    const second = await openSandboxStore(dir);
    expect(second.getMeta('account')).toBe('AC1');
    expect(second.list('message')).toStrictEqual([{ sid: 'SM2', body: 'there' }]);
    second.close();
  });

  it('separate processes opening one new file at once all migrate it, with nothing on stderr', { timeout: 120_000 }, async () => {
    const open = `import { openStore } from ${JSON.stringify(pathToFileURL(path.resolve('dist/store/open-store.js')).href)};
      try { const s = await openStore(process.argv[1]); console.log(s.driver); await s.close(); } catch (e) { console.log(e.message); }`;
    for (let round = 0; round < 3; round++) {
      const file = sqliteUrl();
      const runs = await Promise.all(Array.from({ length: 3 }, () => runNode(open, file)));
      expect(runs.map((r) => r.stdout)).toEqual(['node:sqlite', 'node:sqlite', 'node:sqlite']);
      expect(runs.map((r) => r.stderr).join('')).toBe('');
    }
  });
});

describe.skipIf(USABLE)('forcing node:sqlite where Node has none', () => {
  it('fails with an error that names both drivers and the fix', async () => {
    await expect(openStore(sqliteUrl())).rejects.toMatchObject({
      code: 'store_driver',
      message: expect.stringMatching(/^No SQLite driver works on Node .*better-sqlite3.*node:sqlite/),
      hint: expect.stringContaining('npm rebuild better-sqlite3'),
    });
  });
});
