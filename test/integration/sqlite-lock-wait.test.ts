/**
 * A statement of the store's fixed path (store.run, store.readOne) that finds SQLite's write lock held
 * by another process waits for it without blocking this process's event loop (timers, requests
 * already admitted, webhooks go on), runs once the lock is free, and fails busy, having done nothing,
 * when the lock stays held past the busy timeout. The other process is a real one holding the lock.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { statement } from '../../src/store/statement.js';
import { REPO } from '../helpers/cli.js';
import { sqliteUrl } from '../helpers/stores.js';

// Holds the write lock from "locked" until a line arrives on stdin (or stdin closes).
const HOLDER = `
const [repo, file] = process.argv.slice(1);
const { openSqliteDatabase } = await import(repo + '/dist/store/sqlite-driver.js');
const { database } = await openSqliteDatabase(file, 1000);
database.prepare('BEGIN IMMEDIATE').run();
process.stdout.write('locked\\n');
process.stdin.once('data', () => process.exit(0));
process.stdin.once('end', () => process.exit(0));
`;

function holdWriteLock(file: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', HOLDER, REPO, file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`the lock holder exited ${code}: ${err}`)));
  });
  return { locked, release: () => child.stdin.end('release\n'), exited: new Promise((resolve) => child.on('exit', resolve)) };
}

const INSERT = statement('INSERT INTO rate_slots (sender, next_at) VALUES (?, 0)');
const COUNT = statement('SELECT COUNT(*) AS n FROM rate_slots WHERE sender = ?');

describe('SQLite write lock held by another process', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('a statement waits for it with the event loop free, then runs once', { timeout: 30_000 }, async () => {
    const file = sqliteUrl();
    store = await openStore(file, { busyTimeoutMs: 20_000 });
    const holder = holdWriteLock(file);
    await holder.locked;
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      let done = false;
      const insert = store.run(INSERT, ['+15550007001']).finally(() => (done = true));
      // SQLite's own busy handler would block this thread (and the ticker) until the lock is free.
      await vi.waitFor(() => expect(ticks).toBeGreaterThanOrEqual(5), { timeout: 10_000 });
      expect(done).toBe(false);
      holder.release();
      expect(await insert).toBe(1);
      expect(Number((await store.readOne<{ n: number }>(COUNT, ['+15550007001']))?.n)).toBe(1);
    } finally {
      clearInterval(ticker);
      holder.release();
      await holder.exited;
    }
  });

  it('a lock held past the busy timeout fails the statement busy, and it did nothing', { timeout: 30_000 }, async () => {
    const file = sqliteUrl();
    store = await openStore(file, { busyTimeoutMs: 300 });
    const holder = holdWriteLock(file);
    await holder.locked;
    try {
      const err = (await store.run(INSERT, ['+15550007002']).catch((e: unknown) => e)) as { code?: string };
      expect(err.code).toMatch(/^SQLITE_BUSY/);
    } finally {
      holder.release();
      await holder.exited;
    }
    expect(Number((await store.readOne<{ n: number }>(COUNT, ['+15550007002']))?.n)).toBe(0);
  });
});
