/**
 * Migration 015, in a file of its own because migrations.ts is near the size limit: the account's
 * Twilio API request slots shared by every process on the store (store/api-slots.ts). A row is one
 * request in flight: slot numbers run from 0 to the cap less one, so the primary key itself keeps
 * the count within the cap; a row whose lease (the database's clock, epoch ms) ran out belonged to a
 * process that died or stalled, and the next request takes it over.
 */
import type { Kysely, Migration } from 'kysely';

export const migration015ApiSlots: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('api_slots')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('slot', 'integer', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('lease_until', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('api_slots_pk', ['account', 'slot'])
      .execute();
    await db.schema.createIndex('api_slots_owner').on('api_slots').column('owner').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('api_slots').ifExists().execute();
  },
};
