/**
 * Refuses a store that a newer version of this tool has migrated. Each version's exactly-once rules
 * live partly in its schema (a column the newer code fences on, a claim function it calls): an older
 * process on the same store would ignore them and could send what the newer ones hold back (a rolling
 * upgrade of serve instances, or a scheduled job on a machine upgraded later). So a process that finds
 * a migration it does not know stops and says to upgrade, at open and, for serve, while it runs.
 */
import { ConfigError } from '../errors.js';
import { createMigrationProvider, type Dialect } from './migrations.js';
import { statement } from './statement.js';

/** The migrations this version knows, in order. */
export async function knownMigrations(dialect: Dialect): Promise<string[]> {
  return Object.keys(await createMigrationProvider(dialect).getMigrations());
}

/** The recorded migrations this version does not know: a newer version applied them. */
export function unknownMigrations(recorded: readonly string[], known: readonly string[]): string[] {
  const knownSet = new Set(known);
  return recorded.filter((name) => !knownSet.has(name)).sort();
}

export const RECORDED_MIGRATIONS = statement('SELECT name FROM kysely_migration');

export function storeNewerError(location: string, unknown: readonly string[]): ConfigError {
  const shown = unknown.length > 3 ? `${unknown.slice(0, 3).join(', ')} and ${unknown.length - 3} more` : unknown.join(', ');
  return new ConfigError(
    `The store at ${location} was upgraded by a newer version of openclaw-telephony (it records ${shown}, which this version does not know). Running this older version on it could send what the newer one holds back.`,
    'Upgrade this copy of openclaw-telephony to the version that upgraded the store (the same version on every machine and instance that shares it), or point store.url at another store.',
    'store_newer_than_this_version',
  );
}
