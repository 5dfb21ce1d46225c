import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/store/group-commit.js';
import { openStore } from '../../src/store/open-store.js';
import { statement } from '../../src/store/statement.js';
import { requirePgInCi, sqliteUrl, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const ADD_OPTOUT = statement('INSERT INTO optouts (phone, source, created_at) VALUES (?, ?, ?)');
const FIND_OPTOUT = statement('SELECT phone, source FROM optouts WHERE phone = ?');

describe('fixed statements', () => {
  it('numbers placeholders for PostgreSQL', () => {
    expect(statement('SELECT a FROM t WHERE b = ? AND c > ?').postgres).toBe('SELECT a FROM t WHERE b = $1 AND c > $2');
  });

  for (const kind of storeKinds) {
    describe.skipIf(kind.skip)(`on ${kind.name}`, () => {
      it('writes concurrently, reads back, and a failing write fails alone', async () => {
        const store = await openStore(await kind.url());
        const now = new Date().toISOString();
        const phones = Array.from({ length: 40 }, (_, i) => `+1555000${String(i).padStart(4, '0')}`);
        // Same turn of the event loop: on SQLite these share one commit; one of them breaks the primary key.
        const outcomes = await Promise.allSettled([...phones.map((p) => store.write(ADD_OPTOUT, [p, 'test', now])), store.write(ADD_OPTOUT, [phones[0], 'again', now])]);
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(40);
        expect(outcomes.at(-1)?.status).toBe('rejected');
        expect(await store.readOne(FIND_OPTOUT, [phones[39]])).toEqual({ phone: phones[39], source: 'test' });
        expect(await store.readOne(FIND_OPTOUT, [phones[0]])).toEqual({ phone: phones[0], source: 'test' });
        expect(await store.readOne(FIND_OPTOUT, ['+19999999999'])).toBeUndefined();
        await store.close();
      });

      it('keeps writes still queued when the store closes', async () => {
        const url = await kind.url();
        const store = await openStore(url);
        const pending = store.write(ADD_OPTOUT, ['+15550009999', 'closing', new Date().toISOString()]);
        await store.close();
        await pending;
        const again = await openStore(url);
        expect(await again.readOne(FIND_OPTOUT, ['+15550009999'])).toEqual({ phone: '+15550009999', source: 'closing' });
        await again.close();
      });
    });
  }
});

describe('SQLite group commit', () => {
  function counted(file: string) {
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const commits = { count: 0 };
    const prepare = (sql: string) => {
      if (sql === 'COMMIT') commits.count++;
      return db.prepare(sql);
    };
    return { db, commits, group: createGroupCommit(db, prepare) };
  }

  it('commits the writes of one event-loop turn together, and later ones in a new commit', async () => {
    const { db, commits, group } = counted(sqliteUrl());
    await Promise.all(Array.from({ length: 100 }, (_, i) => group.write('INSERT INTO t (id, v) VALUES (?, ?)', [i, 'x'])));
    expect(commits.count).toBe(1);
    await group.write('INSERT INTO t (id, v) VALUES (?, ?)', [100, 'y']);
    expect(commits.count).toBe(2);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 101 });
    db.close();
  });

  it('waits for a transaction someone else holds open, then commits', async () => {
    const { db, group } = counted(sqliteUrl());
    db.exec('BEGIN');
    db.exec("INSERT INTO t (id, v) VALUES (1, 'theirs')");
    let settled = false;
    const write = group.write('INSERT INTO t (id, v) VALUES (?, ?)', [2, 'ours']).then(() => (settled = true));
    // Several turns pass while their transaction is open: ours must not join it.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    db.exec('ROLLBACK');
    await write;
    expect(db.prepare('SELECT id, v FROM t').all()).toEqual([{ id: 2, v: 'ours' }]);
    db.close();
  });

  it('rejects every write of a batch whose commit fails', async () => {
    const file = sqliteUrl();
    const { db, group } = counted(file);
    // Another connection holds the write lock and busy_timeout is 0: BEGIN IMMEDIATE fails, nothing is kept.
    const other = new BetterSqlite3(file);
    other.exec('BEGIN IMMEDIATE');
    db.pragma('busy_timeout = 0');
    const outcomes = await Promise.allSettled([group.write('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'a']), group.write('INSERT INTO t (id, v) VALUES (?, ?)', [2, 'b'])]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    other.exec('ROLLBACK');
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 });
    other.close();
    db.close();
  });
});
