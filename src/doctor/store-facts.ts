/**
 * What doctor says about the store: its kind, its schema version, and the `serve` instances alive on
 * it now (each keeps a heartbeat row, see store/instances.ts; at most one on a SQLite file). Each fact
 * comes as data (the fields of `doctor --json`'s store check, for scripts) and as a phrase (its detail).
 */
import { sql } from 'kysely';
import { createMigrationProvider } from '../store/migrations.js';
import { liveInstances } from '../store/instances.js';
import type { Store } from '../store/open-store.js';
import type { OrphanedFacts } from '../server/orphaned-webhooks.js';

export interface SchemaLevel {
  /** The last migration applied, or null on an empty store. */
  latest: string | null;
  applied: number;
  known: number;
}

export interface LiveInstance {
  url: string;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  seenSecondsAgo: number;
}

export async function schemaLevel(store: Store): Promise<SchemaLevel> {
  const known = Object.keys(await createMigrationProvider(store.dialect).getMigrations());
  const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(await store.queryBuilder());
  return { latest: rows.at(-1)?.name ?? null, applied: rows.length, known: known.length };
}

export async function servingInstances(store: Store): Promise<LiveInstance[]> {
  return (await liveInstances(store)).map((i) => ({
    url: i.url,
    host: i.host,
    pid: i.pid,
    version: i.version,
    startedAt: `${i.started_at.slice(0, 19)}Z`,
    seenSecondsAgo: Math.round(i.seen_ms_ago / 1000),
  }));
}

/** "schema 010_turn_tickets (10 of 10 migrations)". */
export function describeSchema(schema: SchemaLevel): string {
  return `schema ${schema.latest ?? 'empty'} (${schema.applied} of ${schema.known} migrations)`;
}

/** The live serve instances, one phrase each: where it listens, its process, its version, when it was last seen. */
export function describeInstances(live: LiveInstance[]): string {
  if (!live.length) return 'no serve instance is running on it';
  const each = live.map((i) => `${i.url || '(starting)'} on ${i.host} pid ${i.pid}, ${i.version}, up since ${i.startedAt}, seen ${i.seenSecondsAgo} s ago`);
  return `${live.length} serve instance${live.length === 1 ? '' : 's'} running on it: ${each.join('; ')}`;
}

/** "2 webhooks orphaned in the last 24 h (newest ...)": texts a serve instance died handling, which did not reach the agent. */
export function describeOrphaned(o: OrphanedFacts): string {
  if (!o.last24h) return o.newestAt ? `no webhook orphaned in the last 24 h (the last at ${o.newestAt})` : 'no webhook orphaned';
  return `${o.last24h} webhook${o.last24h === 1 ? '' : 's'} orphaned in the last 24 h (a serve instance stopped before answering; newest at ${o.newestAt})`;
}
