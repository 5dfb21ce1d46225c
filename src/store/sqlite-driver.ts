/**
 * The one place that loads a SQLite driver. better-sqlite3 comes first (Node 20 has no built-in
 * SQLite, and it is the faster of the two); when its native addon cannot be loaded (OpenClaw installs
 * plugins with install scripts disabled, so the addon is never built; or it was built for another
 * Node), Node's built-in `node:sqlite` takes over behind the same small API: the subset of
 * better-sqlite3 this project uses (and Kysely's SqliteDialect needs), with the same plain rows,
 * Buffers for blobs, and `SQLITE_*` error codes, so the lock retries and store errors work alike.
 *
 * OPENCLAW_TELEPHONY_TEST_SQLITE_DRIVER=node:sqlite forces the fallback: for tests only.
 */
import { ConfigError } from '../errors.js';

export type SqliteDriverName = 'better-sqlite3' | 'node:sqlite';

export interface RunResult {
  changes: number | bigint;
  lastInsertRowid: number | bigint;
}

export interface SqliteStatement {
  /** Whether the statement returns rows (Kysely's driver asks). */
  readonly reader: boolean;
  get(params?: readonly unknown[]): unknown;
  all(params?: readonly unknown[]): unknown[];
  run(params?: readonly unknown[]): RunResult;
  iterate(params?: readonly unknown[]): IterableIterator<unknown>;
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  /** `PRAGMA <source>`, every row it returns. */
  pragma(source: string): unknown;
  readonly inTransaction: boolean;
  readonly open: boolean;
  close(): unknown;
}

export interface OpenedSqlite {
  database: SqliteDatabase;
  driver: SqliteDriverName;
}

/** Opens (creating) a SQLite file with the first driver that works here; `timeoutMs` is SQLite's busy timeout. */
export async function openSqliteDatabase(file: string, timeoutMs: number): Promise<OpenedSqlite> {
  const driver = await chooseDriver();
  if (driver.name === 'better-sqlite3') return { database: new driver.Database(file, { timeout: timeoutMs }), driver: driver.name };
  const { openNodeSqlite } = await import('./node-sqlite-database.js');
  return { database: openNodeSqlite(driver.module, file, timeoutMs), driver: driver.name };
}

type BetterSqlite3Constructor = new (file: string, options: { timeout: number }) => SqliteDatabase;
type Driver = { name: 'better-sqlite3'; Database: BetterSqlite3Constructor } | { name: 'node:sqlite'; module: NodeSqliteModule };

/** What this project uses of `node:sqlite` (its types are not in @types/node 20). */
export interface NodeSqliteModule {
  DatabaseSync: new (file: string) => NodeSqliteDatabase;
}
export interface NodeSqliteDatabase {
  prepare(sql: string): NodeSqliteStatement;
  exec(sql: string): void;
  readonly isOpen: boolean;
  readonly isTransaction: boolean;
  close(): void;
}
export interface NodeSqliteStatement {
  columns(): unknown[];
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): RunResult;
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

let chosen: Promise<Driver> | undefined;
const chooseDriver = () => (chosen ??= pickDriver());

async function pickDriver(): Promise<Driver> {
  let failure: unknown;
  if (process.env.OPENCLAW_TELEPHONY_TEST_SQLITE_DRIVER !== 'node:sqlite') {
    try {
      const { default: Database } = await import('better-sqlite3');
      // The addon loads on the first open: an in-memory database shows whether it can (~0.05 ms after that).
      new Database(':memory:').close();
      return { name: 'better-sqlite3', Database: Database as unknown as BetterSqlite3Constructor };
    } catch (err) {
      failure = err;
    }
  }
  const nodeSqlite = loadNodeSqlite();
  if (nodeSqlite) return { name: 'node:sqlite', module: nodeSqlite };
  throw new ConfigError(
    `No SQLite driver works on Node ${process.versions.node}: better-sqlite3's native addon could not be loaded (${failure ? (failure as Error).message : 'OPENCLAW_TELEPHONY_TEST_SQLITE_DRIVER turned it off'}), and this Node has no usable node:sqlite.`,
    'Use Node 24 (or >= 22.16), whose built-in node:sqlite needs no build; or, in the folder openclaw-telephony is installed in, run `npm rebuild better-sqlite3` (or `npm install better-sqlite3` when npm skipped that optional dependency): it fetches a prebuilt addon for this Node or builds one, which needs a C++ toolchain.',
    'store_driver',
  );
}

/**
 * `node:sqlite` when this Node has it with what the adapter needs (`columns()` and `isTransaction`:
 * Node >= 22.16), loaded without the ExperimentalWarning older Node versions print on stderr (it would
 * land in every `--json` run's output).
 */
function loadNodeSqlite(): NodeSqliteModule | undefined {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite is an experimental feature/i.test(text)) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const sqlite = process.getBuiltinModule?.('node:sqlite') as NodeSqliteModule | undefined;
    if (!sqlite) return undefined;
    const probe = new sqlite.DatabaseSync(':memory:');
    try {
      return typeof probe.isTransaction === 'boolean' && typeof probe.prepare('SELECT 1').columns === 'function' ? sqlite : undefined;
    } finally {
      probe.close();
    }
  } finally {
    process.emitWarning = emitWarning;
  }
}
