/**
 * What doctor says about the store: its kind, its schema version, and the `serve` instances alive on
 * it now (each keeps a heartbeat row, see store/instances.ts; at most one on a SQLite file).
 */
import { sql } from 'kysely';
import { createMigrationProvider } from '../store/migrations.js';
import { liveInstances } from '../store/instances.js';
import type { Store } from '../store/open-store.js';

/** "schema 010_turn_tickets (10 of 10 migrations)". */
export async function describeSchema(store: Store): Promise<string> {
  const known = Object.keys(await createMigrationProvider(store.dialect).getMigrations());
  const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(await store.queryBuilder());
  return `schema ${rows.at(-1)?.name ?? 'empty'} (${rows.length} of ${known.length} migrations)`;
}

/** The live serve instances, one phrase each: where it listens, its process, its version, when it was last seen. */
export async function describeInstances(store: Store): Promise<string> {
  const live = await liveInstances(store);
  if (!live.length) return 'no serve instance is running on it';
  const each = live.map((i) => `${i.url || '(starting)'} on ${i.host} pid ${i.pid}, ${i.version}, up since ${i.started_at.slice(0, 19)}Z, seen ${Math.round(i.seen_ms_ago / 1000)} s ago`);
  return `${live.length} serve instance${live.length === 1 ? '' : 's'} running on it: ${each.join('; ')}`;
}
