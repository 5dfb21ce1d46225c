/**
 * Migration 020: a key remembers when its latest request started (`last_request_at`, epoch ms in the
 * database's clock; `requested_at` keeps the first one's). A run that takes over a key whose request
 * was in flight judges from it how long to look in Twilio's list: a request its owner would have given
 * up on by now (older than the send's time limit: an owner frozen past its fence, a lease that ran out
 * on another machine) counts as an answer lost at that limit and is watched as long as a lost answer.
 */
import type { Kysely, Migration } from 'kysely';

export const migration020LastRequestAt: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('idempotency_keys').addColumn('last_request_at', 'bigint').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('idempotency_keys').dropColumn('last_request_at').execute();
  },
};
