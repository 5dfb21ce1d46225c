/**
 * Opens the store: a SQLite file (WAL mode) by default, PostgreSQL when the URL says postgres://.
 * Migrations are applied on open, so every command sees the current schema.
 */
import type { Database as BetterSqlite3Database } from 'better-sqlite3';
import { CompiledQuery, Kysely, type MigrationProvider, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import { ConfigError } from '../errors.js';
import { createGroupCommit } from './group-commit.js';
import { prepareSqliteFile, storeFileError } from './sqlite-file.js';
import { createMigrationProvider, type Dialect } from './migrations.js';
import type { Param, Statement } from './statement.js';
import type { Database } from './tables.js';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, with any password removed. */
  location: string;
  /** Runs a fixed write statement; on SQLite, writes of the same event-loop turn share one commit. */
  write(statement: Statement, params: Param[]): Promise<void>;
  /** The first row of a fixed read statement. */
  readOne<Row>(statement: Statement, params: Param[]): Promise<Row | undefined>;
  /**
   * Runs a fixed statement at once, in its own commit, and returns how many rows it changed: for the
   * conditional writes (claim a key, renew a lease) whose outcome decides what happens next.
   */
  run(statement: Statement, params: Param[]): Promise<number>;
  /** Whether writes work now: the last write failed recently, or (SQLite) another process holds the write lock. */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

export type StoreHealth = { state: 'ok' } | { state: 'locked' | 'failing' | 'unavailable'; detail: string };

export interface OpenStoreOptions {
  /**
   * How long a SQLite statement waits for a lock another process holds. Commands can wait; serve
   * waits little, so a stuck writer turns into a quick 503 that Twilio retries, not a stalled server.
   * @default 5000
   */
  busyTimeoutMs?: number;
}

/** A write that failed this recently makes the store "failing" until one succeeds. */
const FAILURE_MEMORY_MS = 60_000;

/** How a dialect runs the fixed statements, and what it must do before closing. */
interface Connection {
  db: Kysely<Database>;
  write: Store['write'];
  readOne: Store['readOne'];
  run: Store['run'];
  /** Whether the database answers and (SQLite) the write lock is free. */
  probe(): Promise<StoreHealth>;
  beforeClose(): Promise<void> | void;
}

export function describeStoreUrl(url: string): { dialect: Dialect; location: string } {
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', location: url.replace(/(\/\/[^/:@]+):[^@/]*@/, '$1:***@') };
  return { dialect: 'sqlite', location: url.replace(/^sqlite:/i, '') };
}

export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const { dialect, location } = describeStoreUrl(url);
  const connection = dialect === 'postgres' ? await openPostgres(url) : await openSqlite(location, opts.busyTimeoutMs ?? 5_000);
  const { db } = connection;
  const provider = createMigrationProvider(dialect);
  await migrateOnce(db, provider, location);
  return {
    db,
    dialect,
    location,
    ...trackWriteFailures(connection),
    close: async () => {
      await connection.beforeClose();
      await db.destroy();
    },
  };
}

/**
 * True when every migration is already recorded. The usual case for a short command; checking it with
 * one query skips the Migrator's table introspection, which was a tenth of a single `send`.
 */
async function isMigrated(db: Kysely<Database>, names: string[]): Promise<boolean> {
  try {
    const applied = await db.executeQuery<{ name: string }>(CompiledQuery.raw('SELECT name FROM kysely_migration'));
    const done = new Set(applied.rows.map((r) => r.name));
    return names.every((n) => done.has(n));
  } catch {
    return false; // a new store: no migration table yet
  }
}

/**
 * Brings the schema up to date when several processes open a new store at once. On PostgreSQL the
 * Migrator holds an advisory lock while it works. SQLite answers "busy" at once (no waiting) to a
 * transaction that must upgrade its lock (and Kysely's SQLite migrations take no lock of their own),
 * so a process that lost that race looks again after a pause: by then the winner has migrated.
 */
async function migrateOnce(db: Kysely<Database>, provider: MigrationProvider, location: string): Promise<void> {
  const names = Object.keys(await provider.getMigrations());
  for (let attempt = 0; ; attempt++) {
    if (await isMigrated(db, names)) return;
    const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
    if (!error) return;
    // Lost the race to another process: its transaction holds the lock, or already created the tables.
    if (attempt < 20 && /SQLITE_BUSY|database is locked|already exists/i.test(String((error as Error).message ?? error))) {
      await new Promise((r) => setTimeout(r, 50 + attempt * 50));
      continue;
    }
    await failMigration(db, location, error, results);
  }
}

async function failMigration(db: Kysely<Database>, location: string, error: unknown, results: readonly { status: string; migrationName: string }[] | undefined): Promise<never> {
  await db.destroy();
  const failed = results?.find((r) => r.status === 'Error')?.migrationName;
  throw new ConfigError(
    `The store at ${location} could not be migrated${failed ? ` (migration ${failed})` : ''}: ${(error as Error).message ?? error}`,
    'Check that the database is reachable and writable, or point store.url at another one.',
    'store_migration',
  );
}

/**
 * The store's write path, remembering the last failure (a lock held too long, a full disk, an I/O
 * error) until a write succeeds again, so health tells what webhooks are seeing.
 */
function trackWriteFailures(connection: Connection): Pick<Store, 'write' | 'readOne' | 'run' | 'health'> {
  let lastFailure: { at: number; message: string } | undefined;
  const tracked = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    try {
      const result = await fn(...args);
      lastFailure = undefined;
      return result;
    } catch (err) {
      lastFailure = { at: Date.now(), message: (err as Error).message };
      throw err;
    }
  };
  return {
    write: tracked(connection.write),
    run: tracked(connection.run),
    readOne: connection.readOne,
    async health() {
      const probed = await connection.probe();
      if (probed.state !== 'ok') return probed;
      if (lastFailure && Date.now() - lastFailure.at < FAILURE_MEMORY_MS) return { state: 'failing', detail: `a write failed ${Math.round((Date.now() - lastFailure.at) / 1000)} s ago: ${lastFailure.message}` };
      return { state: 'ok' };
    },
  };
}

async function openSqlite(file: string, busyTimeoutMs: number): Promise<Connection> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  let sqlite: BetterSqlite3Database | undefined;
  try {
    prepareSqliteFile(file);
    sqlite = new BetterSqlite3(file);
    // WAL lets readers (doctor, list commands) work while serve writes; NORMAL sync is safe with WAL.
    // The first statements read the file: a damaged or read-only one fails here.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
    sqlite.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    sqlite?.close();
    throw storeFileError(file, err);
  }
  const opened = sqlite;
  const cached = withStatementCache(opened);
  const commits = createGroupCommit(opened, cached.prepare, busyTimeoutMs);
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: cached.database }) }),
    write: (s, params) => commits.write(s.sqlite, params),
    readOne: async <Row>(s: Statement, params: Param[]) => cached.prepare(s.sqlite).get(params) as Row | undefined,
    run: async (s, params) => cached.prepare(s.sqlite).run(params).changes,
    probe: async () => probeSqliteLock(opened, busyTimeoutMs),
    beforeClose: commits.flush,
  };
}

/** Whether this connection could take the write lock right now (tried without waiting, and given back). */
function probeSqliteLock(sqlite: BetterSqlite3Database, busyTimeoutMs: number): StoreHealth {
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
function withStatementCache(db: BetterSqlite3Database) {
  const cache = new Map<string, ReturnType<BetterSqlite3Database['prepare']>>();
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

async function openPostgres(url: string): Promise<Connection> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end();
    throw new ConfigError(
      `The PostgreSQL store could not be reached: ${(err as Error).message}`,
      'Check store.url (host, port, database, user) and that the server is running.',
      'store_open',
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // Closing ends the pool; a write that has not got a connection yet would then wait forever, so close waits for them.
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>) => {
    inFlight.add(work);
    // The caller handles `work`'s failure; this derived promise would only repeat it as an unhandled rejection.
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };
  return {
    db,
    write: async (s, params) => {
      await track(db.executeQuery(CompiledQuery.raw(s.postgres, params)));
    },
    readOne: async <Row>(s: Statement, params: Param[]) => (await track(db.executeQuery<Row>(CompiledQuery.raw(s.postgres, params)))).rows[0],
    run: async (s, params) => Number((await track(db.executeQuery(CompiledQuery.raw(s.postgres, params)))).numAffectedRows ?? 0),
    probe: async () => {
      try {
        await db.executeQuery(CompiledQuery.raw('SELECT 1'));
        return { state: 'ok' };
      } catch (err) {
        return { state: 'unavailable', detail: (err as Error).message };
      }
    },
    beforeClose: async () => {
      await Promise.allSettled([...inFlight]);
    },
  };
}
