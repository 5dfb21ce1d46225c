/**
 * Kysely over a connection the store already opened, and the migrations that need it. Loaded only
 * when something asks for it (migrating a store, the less frequent queries): on Node 20, evaluating
 * Kysely was the largest part of a one-message `send`, which needs none of it.
 */
import { Kysely, type MigrationProvider, type MigrationResultSet, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { Pool } from 'pg';
import type { SqliteDatabase } from './sqlite-driver.js';
import type { Database } from './tables.js';

/** Kysely's `sql` tag, for store modules that the send bundle reaches: from here, they load Kysely only with this file (scripts/bundle.mjs). */
export { sql } from 'kysely';

export type DriverHandle = { dialect: 'sqlite'; database: SqliteDatabase } | { dialect: 'postgres'; pool: Pool };

export function createQueryBuilder(handle: DriverHandle): Kysely<Database> {
  return new Kysely<Database>({ dialect: handle.dialect === 'postgres' ? new PostgresDialect({ pool: handle.pool }) : new SqliteDialect({ database: handle.database }) });
}

export function migrateToLatest(db: Kysely<Database>, provider: MigrationProvider): Promise<MigrationResultSet> {
  return new Migrator({ db, provider }).migrateToLatest();
}
