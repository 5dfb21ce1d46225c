/**
 * A store as an earlier version of the product left it: every migration after `last` undone through
 * its own `down`, so a test of a migration starts from the schema that migration really meets, and a
 * migration added later needs no change to the tests of those before it.
 */
import { Migrator } from 'kysely';
import { createMigrationProvider } from '../../src/store/migrations.js';
import type { Store } from '../../src/store/open-store.js';

export async function migrateStoreDownTo(store: Store, last: string): Promise<void> {
  const { error, results } = await new Migrator({ db: store.db, provider: createMigrationProvider(store.dialect) }).migrateTo(last);
  if (error) throw new Error(`undoing the migrations after ${last} failed at ${results?.find((r) => r.status === 'Error')?.migrationName}: ${String(error)}`);
}
