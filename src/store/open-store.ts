/**
 * Opens the store: a SQLite file (WAL mode) by default, PostgreSQL when the URL says postgres://.
 * Migrations are applied on open, so every command sees the current schema.
 *
 * Two ways in: fixed statements (`write`, `readOne`, `run`; see statement.ts) for everything on the
 * hot paths, and Kysely (`db`) for the rest. Kysely is loaded on open unless the caller says it
 * needs none (a `send` needs none: evaluating Kysely was the largest part of its start-up); such a
 * store loads it on demand with `queryBuilder()`.
 */
import type { Kysely, MigrationResultSet } from 'kysely';
import { ConfigError, InternalError } from '../errors.js';
import { createMigrationProvider, type Dialect } from './migrations.js';
import { openPostgres } from './postgres-connection.js';
import { RECORDED_MIGRATIONS, storeNewerError, unknownMigrations } from './schema-guard.js';
import type { DriverHandle } from './query-builder.js';
import { openSqlite } from './sqlite-connection.js';
import { describeStoreUrl } from './store-url.js';
import type { SqliteDriverName } from './sqlite-driver.js';
import type { Param, Statement } from './statement.js';
import type { Database } from './tables.js';

export { describeStoreUrl } from './store-url.js';

export interface Store {
  /** Kysely; present unless the store was opened with `queryBuilder: false` and `queryBuilder()` not awaited yet. */
  readonly db: Kysely<Database>;
  /** Loads Kysely if it is not loaded yet. */
  queryBuilder(): Promise<Kysely<Database>>;
  dialect: Dialect;
  /** The driver underneath: better-sqlite3, or node:sqlite when better-sqlite3's addon is not built for this Node (sqlite-driver.ts); pg. */
  driver: Connection['driver'];
  /** Where the data lives, with any password removed. */
  location: string;
  /** The migrations this open applied: empty when the schema was current (another process, or an earlier run, migrated it). */
  migrated: readonly string[];
  /**
   * Runs a fixed write statement; on SQLite, writes of the same event-loop turn share one commit.
   * Resolves once committed, with how many rows it changed: a conditional write (a claim) whose
   * outcome may wait for the shared commit uses this rather than `run`.
   */
  write(statement: Statement, params: Param[]): Promise<number>;
  /** The first row of a fixed read statement. */
  readOne<Row>(statement: Statement, params: Param[]): Promise<Row | undefined>;
  /** Every row of a fixed read statement. */
  readMany<Row>(statement: Statement, params: Param[]): Promise<Row[]>;
  /**
   * Runs a fixed statement at once, in its own commit, and returns how many rows it changed: for the
   * conditional writes (claim a key, renew a lease) whose outcome decides what happens next.
   */
  run(statement: Statement, params: Param[]): Promise<number>;
  /** Whether writes work now: the last write failed recently, or (SQLite) another process holds the write lock. */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
  /**
   * close() for a process that exits right after (the `send` binary, cli/send-main.ts): what was
   * written is committed and on the disk as close() leaves it, but a SQLite file is left open for the
   * exit. Why: closing it runs SQLite's checkpoint, which copies the write-ahead log into the database
   * and deletes it (a sync of each), and the next process then creates the log anew (two more syncs, of
   * the log and its folder): four disk syncs in a one-message send (~4 ms here on a quiet disk, ~20 ms
   * at load 10). Left in place, the log is read by the next open and checkpointed by SQLite
   * when it grows (1,000 pages) or by a process that closes the store. A process that does not exit
   * after all closes the file as close() does when Node tears it down (better-sqlite3's cleanup).
   */
  closeForExit(): Promise<void>;
}

export type StoreHealth = { state: 'ok' } | { state: 'locked' | 'failing' | 'unavailable'; detail: string };

export interface OpenStoreOptions {
  /**
   * How long a SQLite statement waits for a lock another process holds. Commands can wait; serve
   * waits little, so a stuck writer turns into a quick 503 that Twilio retries, not a stalled server.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /** Load Kysely now. @default true */
  queryBuilder?: boolean;
}

/** A write that failed this recently makes the store "failing" until one succeeds. */
const FAILURE_MEMORY_MS = 60_000;

/** How a dialect runs the fixed statements, and what it must do before closing. */
export interface Connection {
  handle: DriverHandle;
  driver: SqliteDriverName | 'pg';
  write: Store['write'];
  readOne: Store['readOne'];
  readMany: Store['readMany'];
  run: Store['run'];
  /** Every row of a parameterless statement written alike for both databases. */
  readAll<Row>(sql: string): Promise<Row[]>;
  /** Whether the database answers and (SQLite) the write lock is free. */
  probe(): Promise<StoreHealth>;
  beforeClose(): Promise<void> | void;
  /** Closes the driver (when no Kysely instance owns it). */
  end(): Promise<void>;
  /** SQLite: makes the writes durable and leaves the file open for the process's exit (Store.closeForExit). */
  endForExit?(): Promise<void>;
  /** Runs `work` alone among every process migrating this database (PostgreSQL: an advisory lock). */
  migrationLock?<T>(work: () => Promise<T>): Promise<T>;
}

let queryBuilderLoaded = false;

/** Kysely, loaded on first need. */
async function loadQueryBuilder(): Promise<typeof import('./query-builder.js')> {
  const builder = await import('./query-builder.js');
  queryBuilderLoaded = true;
  return builder;
}

/**
 * Whether this process loaded Kysely (it migrated the store, or asked for the query builder). The send
 * bundle's code cache is not taken from such a run (cli/send-loader.ts): it would hold Kysely's
 * compiled code, half again as much for every later send to read, which never runs it.
 */
export function loadedQueryBuilder(): boolean {
  return queryBuilderLoaded;
}

export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const { dialect, location } = describeStoreUrl(url);
  const connection = dialect === 'postgres' ? await openPostgres(url, location) : await openSqlite(location, opts.busyTimeoutMs ?? 5_000);
  let db: Kysely<Database> | undefined;
  const queryBuilder = async () => (db ??= (await loadQueryBuilder()).createQueryBuilder(connection.handle));
  const close = async () => {
    await connection.beforeClose();
    // Kysely's destroy would end the pg pool without a time limit; the connection's own end has one.
    await (db && dialect === 'sqlite' ? db.destroy() : connection.end());
  };
  const closeForExit = async () => {
    if (!connection.endForExit) return close();
    await connection.beforeClose();
    await connection.endForExit();
  };
  let migrated: string[];
  try {
    migrated = await migrateOnce(connection, dialect, location, queryBuilder);
    if (opts.queryBuilder !== false) await queryBuilder();
  } catch (err) {
    await close();
    throw err;
  }
  return {
    get db() {
      if (!db) throw new InternalError('The store was opened without its query builder: await store.queryBuilder() before using store.db.');
      return db;
    },
    queryBuilder,
    dialect,
    driver: connection.driver,
    location,
    migrated,
    ...trackWriteFailures(connection),
    close,
    closeForExit,
  };
}

/**
 * True when every migration is already recorded. The usual case for a short command; checking it with
 * one query skips the Migrator (and loading Kysely at all). A store a newer version migrated is refused
 * here (schema-guard.ts), before anything reads or writes it.
 */
async function isMigrated(connection: Connection, names: string[], location: string): Promise<boolean> {
  let applied: { name: string }[];
  try {
    applied = await connection.readAll<{ name: string }>(RECORDED_MIGRATIONS.sqlite);
  } catch {
    return false; // a new store: no migration table yet
  }
  const recorded = applied.map((r) => r.name);
  const unknown = unknownMigrations(recorded, names);
  if (unknown.length) throw storeNewerError(location, unknown);
  const done = new Set(recorded);
  return names.every((n) => done.has(n));
}

/**
 * Brings the schema up to date when several processes open a new store at once; returns the names of
 * the migrations this process applied. On PostgreSQL one process migrates at a time (an advisory lock
 * around the whole run), and a process that waited for the lock finds the work done. SQLite answers
 * "busy" at once (no waiting) to a transaction that must upgrade its lock (and Kysely's SQLite
 * migrations take no lock of their own), so a process that lost that race looks again after a pause:
 * by then the winner has migrated.
 */
async function migrateOnce(connection: Connection, dialect: Dialect, location: string, queryBuilder: () => Promise<Kysely<Database>>): Promise<string[]> {
  const provider = createMigrationProvider(dialect);
  const names = Object.keys(await provider.getMigrations());
  const migrate = async (): Promise<MigrationResultSet> => {
    if (await isMigrated(connection, names, location)) return { results: [] };
    const { migrateToLatest } = await loadQueryBuilder();
    return migrateToLatest(await queryBuilder(), provider);
  };
  for (let attempt = 0; ; attempt++) {
    if (await isMigrated(connection, names, location)) return [];
    const { error, results } = await (connection.migrationLock ? connection.migrationLock(migrate) : migrate());
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    // Lost the race to another process: its transaction holds the lock, or already created the tables
    // or added the columns (seen here: "duplicate column name" from migration 005 with three processes),
    // or, for a migration with nothing to do on SQLite (021), recorded it first (a unique name in kysely_migration).
    if (attempt < 20 && /SQLITE_BUSY|database is locked|already exists|duplicate column name|UNIQUE constraint failed: kysely_migration/i.test(String((error as Error).message ?? error))) {
      await new Promise((r) => setTimeout(r, 50 + attempt * 50));
      continue;
    }
    throw migrationError(location, error, results);
  }
}

function migrationError(location: string, error: unknown, results: MigrationResultSet['results']): ConfigError {
  const failed = results?.find((r) => r.status === 'Error')?.migrationName;
  return new ConfigError(
    `The store at ${location} could not be migrated${failed ? ` (migration ${failed})` : ''}: ${(error as Error).message ?? error}`,
    'Check that the database is reachable and writable, or point store.url at another one.',
    'store_migration',
  );
}

/**
 * The store's write path, remembering the last failure (a lock held too long, a full disk, an I/O
 * error) until a write succeeds again, so health tells what webhooks are seeing.
 */
function trackWriteFailures(connection: Connection): Pick<Store, 'write' | 'readOne' | 'readMany' | 'run' | 'health'> {
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
    readMany: connection.readMany,
    async health() {
      const probed = await connection.probe();
      if (probed.state !== 'ok') return probed;
      if (lastFailure && Date.now() - lastFailure.at < FAILURE_MEMORY_MS) return { state: 'failing', detail: `a write failed ${Math.round((Date.now() - lastFailure.at) / 1000)} s ago: ${lastFailure.message}` };
      return { state: 'ok' };
    },
  };
}
