/**
 * Migration 016: each sender's last sends, one row per place of its rate window (rate-window.ts), so
 * every process sharing the store keeps the busiest second within the sender's rate.
 */
import type { Kysely, Migration } from 'kysely';

export const migration016RateSends: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rate_sends')
      .addColumn('sender', 'text', (c) => c.notNull())
      .addColumn('place', 'integer', (c) => c.notNull())
      .addColumn('sent_at', 'double precision', (c) => c.notNull())
      .addPrimaryKeyConstraint('rate_sends_pk', ['sender', 'place'])
      .execute();
    await db.schema.createIndex('rate_sends_oldest').on('rate_sends').columns(['sender', 'sent_at']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('rate_sends').ifExists().execute();
  },
};
