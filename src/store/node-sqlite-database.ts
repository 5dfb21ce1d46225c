/**
 * Node's built-in `node:sqlite` (DatabaseSync) behind the part of better-sqlite3's API this project
 * uses (see sqlite-driver.ts). What differs, and is evened out here:
 * - parameters: better-sqlite3 takes an array and binds `undefined` as NULL; DatabaseSync takes them
 *   spread and refuses `undefined`;
 * - rows: DatabaseSync gives objects without a prototype and blobs as Uint8Array; better-sqlite3
 *   plain objects and Buffers;
 * - errors: DatabaseSync's code is ERR_SQLITE_ERROR with the number in `errcode`; the store's retry
 *   and error logic reads better-sqlite3's names (SQLITE_BUSY, SQLITE_NOTADB, ...).
 */
import type { NodeSqliteDatabase, NodeSqliteModule, NodeSqliteStatement, RunResult, SqliteDatabase, SqliteStatement } from './sqlite-driver.js';

export function openNodeSqlite(sqlite: NodeSqliteModule, file: string, timeoutMs: number): SqliteDatabase {
  const db = guard(() => new sqlite.DatabaseSync(file));
  try {
    guard(() => db.exec(`PRAGMA busy_timeout = ${Math.trunc(timeoutMs)}`));
  } catch (err) {
    db.close();
    throw err;
  }
  return new NodeSqliteDatabaseAdapter(db);
}

class NodeSqliteDatabaseAdapter implements SqliteDatabase {
  constructor(private readonly db: NodeSqliteDatabase) {}
  prepare(sql: string): SqliteStatement {
    return new NodeSqliteStatementAdapter(guard(() => this.db.prepare(sql)));
  }
  exec(sql: string): void {
    guard(() => this.db.exec(sql));
  }
  pragma(source: string): unknown[] {
    return this.prepare(`PRAGMA ${source}`).all();
  }
  get inTransaction(): boolean {
    return this.db.isOpen && this.db.isTransaction;
  }
  get open(): boolean {
    return this.db.isOpen;
  }
  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

class NodeSqliteStatementAdapter implements SqliteStatement {
  readonly reader: boolean;
  constructor(private readonly statement: NodeSqliteStatement) {
    this.reader = statement.columns().length > 0;
  }
  get(params: readonly unknown[] = []): unknown {
    const row = guard(() => this.statement.get(...bindable(params)));
    return row === undefined ? undefined : plainRow(row);
  }
  all(params: readonly unknown[] = []): unknown[] {
    return guard(() => this.statement.all(...bindable(params))).map(plainRow);
  }
  run(params: readonly unknown[] = []): RunResult {
    return guard(() => this.statement.run(...bindable(params)));
  }
  *iterate(params: readonly unknown[] = []): IterableIterator<unknown> {
    const rows = guard(() => this.statement.iterate(...bindable(params)));
    for (;;) {
      const next = guard(() => rows.next());
      if (next.done) return;
      yield plainRow(next.value);
    }
  }
}

const bindable = (params: readonly unknown[]): readonly unknown[] => (params.includes(undefined) ? params.map((p) => (p === undefined ? null : p)) : params);

/** A row as better-sqlite3 gives it: a plain object, blobs as Buffers (no copy). */
function plainRow(row: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in row as Record<string, unknown>) {
    const value = (row as Record<string, unknown>)[key];
    out[key] = value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
  }
  return out;
}

function guard<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw withSqliteCode(err);
  }
}

/** SQLite's primary result codes by number (the low byte of an extended code). */
const PRIMARY = ['OK', 'ERROR', 'INTERNAL', 'PERM', 'ABORT', 'BUSY', 'LOCKED', 'NOMEM', 'READONLY', 'INTERRUPT', 'IOERR', 'CORRUPT', 'NOTFOUND', 'FULL', 'CANTOPEN', 'PROTOCOL', 'EMPTY', 'SCHEMA', 'TOOBIG', 'CONSTRAINT', 'MISMATCH', 'MISUSE', 'NOLFS', 'AUTH', 'FORMAT', 'RANGE', 'NOTADB', 'NOTICE', 'WARNING'];
/** The extended codes worth telling apart (lock waits, constraint kinds); the others keep their primary name. */
const EXTENDED: Record<number, string> = {
  261: 'BUSY_RECOVERY',
  517: 'BUSY_SNAPSHOT',
  773: 'BUSY_TIMEOUT',
  275: 'CONSTRAINT_CHECK',
  787: 'CONSTRAINT_FOREIGNKEY',
  1299: 'CONSTRAINT_NOTNULL',
  1555: 'CONSTRAINT_PRIMARYKEY',
  2067: 'CONSTRAINT_UNIQUE',
};

/** DatabaseSync's error with better-sqlite3's `code` (SQLITE_BUSY, ...); its number stays in `errcode`. */
function withSqliteCode(err: unknown): unknown {
  const e = err as { code?: unknown; errcode?: unknown };
  if (e?.code !== 'ERR_SQLITE_ERROR' || typeof e.errcode !== 'number') return err;
  const name = EXTENDED[e.errcode] ?? PRIMARY[e.errcode & 0xff] ?? 'ERROR';
  e.code = `SQLITE_${name}`;
  return err;
}
