/**
 * A migration that creates one PostgreSQL function (and drops it on the way down): a few statements
 * run in one round trip. SQLite needs none: there the same steps are plain statements in-process.
 */
// Types only at load: every send evaluates the migrations, and Kysely loads only with query-builder.ts when it runs.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './migrations.js';

export function postgresFunctionMigration(dialect: Dialect, f: { create: string; drop: string }): Migration {
  const runOnPostgres = async (db: Kysely<unknown>, text: string) => {
    if (dialect !== 'postgres') return;
    const { sql } = await import('./query-builder.js');
    await sql.raw(text).execute(db);
  };
  return {
    up: (db) => runOnPostgres(db, f.create),
    down: (db) => runOnPostgres(db, f.drop),
  };
}
