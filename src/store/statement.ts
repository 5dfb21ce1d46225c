/**
 * Fixed SQL statements for the hot path (every webhook, every send): written once with `?`
 * placeholders, prepared once, and run without building a Kysely query each time. Building and
 * compiling the query was about a fifth of `serve`'s time per webhook under load. Only plain SQL that
 * SQLite and PostgreSQL read alike belongs here; everything else stays with Kysely.
 */
export interface Statement {
  /** SQLite's form, `?` placeholders. */
  readonly sqlite: string;
  /** PostgreSQL's form, `$1, $2, ...` placeholders. */
  readonly postgres: string;
}

export function statement(sql: string): Statement {
  let n = 0;
  return { sqlite: sql, postgres: sql.replace(/\?/g, () => `$${++n}`) };
}

/**
 * A statement whose SQL differs by database (functions such as the clock or GREATEST/MAX): both forms
 * are given, each with `?` placeholders.
 */
export function statementPair(sqlite: string, postgres: string): Statement {
  let n = 0;
  return { sqlite, postgres: postgres.replace(/\?/g, () => `$${++n}`) };
}

/** The database's clock in epoch milliseconds, so leases and rate slots agree across machines. */
export const NOW_MS = {
  sqlite: "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
  postgres: '(extract(epoch from clock_timestamp()) * 1000)::bigint',
} as const;

/** The database's clock as an ISO 8601 UTC text with milliseconds, the form `new Date().toISOString()` gives. */
export const NOW_ISO = {
  sqlite: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
  postgres: `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
} as const;

export type Param = string | number | null;

/** A statement reading the database's clock as `{now}` (epoch ms, NOW_MS) or `{now_iso}` (NOW_ISO), each form with its own clock. */
export const withDbNow = (sql: string): Statement =>
  statementPair(sql.replaceAll('{now}', NOW_MS.sqlite).replaceAll('{now_iso}', NOW_ISO.sqlite), sql.replaceAll('{now}', NOW_MS.postgres).replaceAll('{now_iso}', NOW_ISO.postgres));
