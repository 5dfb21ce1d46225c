/**
 * The migrations of several `serve` instances sharing one store (#14): the instances table, the owner
 * of a claimed webhook, and conversations' turn tickets and lines. Listed in migrations.ts.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './migrations.js';

/**
 * Several `serve` instances on one store: each keeps a row here and refreshes `last_seen` (the
 * database's clock, epoch ms) from a heartbeat; a row not refreshed for a while is a dead instance
 * (see store/instances.ts).
 */
export const migration008ServeInstances: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('instances')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('public_url', 'text')
      .addColumn('last_seen', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('instances_last_seen').on('instances').column('last_seen').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('instances').ifExists().execute();
  },
};

/** Webhook de-duplication across instances: the instance holding a claimed, unanswered webhook (server/dedup.ts). */
export const migration009WebhookClaimOwner: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('processed_webhooks').addColumn('owner', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('processed_webhooks').dropColumn('owner').execute();
  },
};

/** Each conversation's turns in arrival order across instances: one ticket per waiting or running turn (store/turn-tickets.ts). */
export function migration010TurnTickets(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('turn_tickets')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('turn_tickets_session').on('turn_tickets').columns(['session_id', 'id']).execute();
      await db.schema.createIndex('turn_tickets_owner').on('turn_tickets').column('owner').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('turn_tickets').ifExists().execute();
    },
  };
}

/**
 * One row per conversation, locked by each turn taking its ticket: ticket numbers of one conversation
 * are then handed out in the order their transactions commit, so a turn never misses an earlier one.
 */
export const migration013TurnLines: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('turn_lines')
      .addColumn('session_id', 'text', (c) => c.primaryKey())
      .addColumn('turns', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('turn_lines').ifExists().execute();
  },
};
