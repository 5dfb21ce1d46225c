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

export type Param = string | number | null;
