/**
 * Migration 012, in a file of its own because migrations.ts is near the size limit: why serve refused an inbound text (another number, an inbound limit), so
 * `messages list` can say so.
 */
import type { Kysely, Migration } from 'kysely';

export const migration012MessagesRefused: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('messages').addColumn('refused', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('messages').dropColumn('refused').execute();
  },
};
