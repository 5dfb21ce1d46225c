/**
 * Migration 019: a key remembers when its owner lost the answer to its request (`answer_lost_at`,
 * epoch ms in the database's clock). A run that lost an answer watches Twilio's list for a while after
 * the loss before it sends again (messaging/lost-answer.ts); when that run stops during the watch (a
 * Ctrl-C, a crash), the run that takes the key over goes on watching from the same moment instead of
 * from the request's start, which for a request Twilio was slow on lies far enough back to resend at once.
 */
import type { Kysely, Migration } from 'kysely';

export const migration019AnswerLostAt: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('idempotency_keys').addColumn('answer_lost_at', 'bigint').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('idempotency_keys').dropColumn('answer_lost_at').execute();
  },
};
