/**
 * Migration 025: the late replies going out now, one row each (reply-plans.ts), so a reply cut off by
 * the death of its serve instance is reported by another instance (or the restarted one) instead of
 * vanishing with the process.
 */
import type { Kysely, Migration } from 'kysely';

export const migration025ReplyPlans: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('reply_plans')
      .addColumn('message_sid', 'text', (c) => c.primaryKey())
      .addColumn('to_number', 'text', (c) => c.notNull())
      .addColumn('from_number', 'text', (c) => c.notNull())
      .addColumn('parts', 'integer', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('reply_plans').ifExists().execute();
  },
};
