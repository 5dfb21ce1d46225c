/** The SQLite side of the store: a SQLite file in WAL mode (see sqlite-driver.ts for the driver), cached prepared statements, group commit, lock waits that leave the event loop free (sqlite-lock-wait.ts). */
import { createGroupCommit } from './group-commit.js';
import { createLockWait } from './sqlite-lock-wait.js';
import type { Connection, StoreHealth } from './open-store.js';
import { openSqliteDatabase, type SqliteDatabase, type SqliteDriverName, type SqliteStatement } from './sqlite-driver.js';
import { prepareSqliteFile, storeFileError, syncWriteAheadLog } from './sqlite-file.js';
import type { Param, Statement } from './statement.js';

export async function openSqlite(file: string, busyTimeoutMs: number): Promise<Connection> {
  const deadline = Date.now() + busyTimeoutMs;
  let sqlite: SqliteDatabase;
  let driver: SqliteDriverName;
  for (let attempt = 1; ; attempt++) {
    let candidate: SqliteDatabase | undefined;
    try {
      prepareSqliteFile(file);
      ({ database: candidate, driver } = await openSqliteDatabase(file, busyTimeoutMs));
      // WAL lets readers (doctor, list commands) work while serve writes; NORMAL sync is safe with WAL.
      // The first statements read the file: a damaged or read-only one fails here.
      candidate.pragma('journal_mode = WAL');
      candidate.pragma('synchronous = NORMAL');
      candidate.prepare('SELECT count(*) FROM sqlite_master').get();
      sqlite = candidate;
      break;
    } catch (err) {
      candidate?.close();
      // Switching a new file to WAL needs a moment alone with it, and SQLite answers "locked" at once
      // (without its busy handler) when another process is doing the same: open again shortly.
      if (isBusy(err) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(10 * attempt, 100)));
        continue;
      }
      if ((err as { code?: string }).code === 'store_driver') throw err;
      throw storeFileError(file, err);
    }
  }
  const opened = sqlite;
  const cached = withStatementCache(opened);
  const commits = createGroupCommit(opened, cached.prepare, busyTimeoutMs);
  const whenUnlocked = createLockWait(cached.prepare, busyTimeoutMs);
  return {
    handle: { dialect: 'sqlite', database: cached.database },
    driver,
    write: (s, params) => commits.write(s.sqlite, params),
    readOne: <Row>(s: Statement, params: Param[]) => whenUnlocked(() => cached.prepare(s.sqlite).get(params) as Row | undefined),
    readMany: <Row>(s: Statement, params: Param[]) => whenUnlocked(() => cached.prepare(s.sqlite).all(params) as Row[]),
    run: (s, params) => whenUnlocked(() => Number(cached.prepare(s.sqlite).run(params).changes)),
    readAll: async <Row>(sql: string) => cached.prepare(sql).all([]) as Row[],
    probe: async () => probeSqliteLock(opened, busyTimeoutMs),
    beforeClose: commits.flush,
    end: async () => void opened.close(),
    // Left open for the exit (open-store.ts, closeForExit says why) once the log is on the disk.
    endForExit: async () => void (syncWriteAheadLog(file) || opened.close()),
  };
}

function isBusy(err: unknown): boolean {
  return String((err as { code?: string }).code ?? '').startsWith('SQLITE_BUSY') || /database is locked/i.test(String((err as Error).message ?? err));
}

/** Whether this connection could take the write lock right now (tried without waiting, and given back). */
function probeSqliteLock(sqlite: SqliteDatabase, busyTimeoutMs: number): StoreHealth {
  // Our own transaction is open (a group commit, a Kysely transaction): we hold the lock.
  if (sqlite.inTransaction) return { state: 'ok' };
  sqlite.pragma('busy_timeout = 0');
  try {
    sqlite.prepare('BEGIN IMMEDIATE').run();
    sqlite.prepare('ROLLBACK').run();
    return { state: 'ok' };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    return { state: code.startsWith('SQLITE_BUSY') ? 'locked' : 'unavailable', detail: code.startsWith('SQLITE_BUSY') ? 'another process holds the write lock' : (err as Error).message };
  } finally {
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
  }
}

/**
 * Kysely's SQLite driver prepares every statement anew; preparing was a seventh of `serve`'s time
 * under load. The same SQL text reuses its prepared statement (a bounded cache: the queries are
 * few and fixed, their parameters are bound per call).
 */
function withStatementCache(db: SqliteDatabase) {
  const cache = new Map<string, SqliteStatement>();
  const prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= 256) cache.clear();
      cache.set(sql, (statement = db.prepare(sql)));
    }
    return statement;
  };
  const database = new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { database, prepare };
}
