/**
 * Migration 018: one message (SID) belongs to at most one settled key, and the database holds that
 * rule: two runs reconciling two identical texts at the same moment could both find one message in
 * Twilio's list and settle both keys with it, reporting a row sent that never was (review A1).
 *
 * Keys a store already settled that way are folded first: of the keys sharing a SID, the one settled
 * first keeps it; each other one becomes `failed` (code `duplicate_sid`) and loses the SID, since its
 * own message may never have gone out. Its request time is kept, so the next run under that key looks
 * in Twilio's list again (the SID kept by the other key is not taken a second time) before it sends.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './migrations.js';
import { claimTimeMs } from './migration-idempotency-fencing.js';

export const SETTLED_SID_INDEX = 'idempotency_keys_settled_sid';

const FOLDED = JSON.stringify({
  code: 'duplicate_sid',
  message: 'This key had been settled with the message of another key (an identical text reconciled twice); its own message may never have gone out, so the next run under the key looks for it and sends it if missing.',
});

export const migration018SettledSidUnique = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    const { sql } = await import('./query-builder.js');
    // A key settled before migration 017 has no request time: it gets its claim time, or its rerun would send without looking.
    await sql`UPDATE idempotency_keys SET state = 'failed', sid = NULL, result = ${FOLDED}, requested_at = COALESCE(requested_at, ${sql.raw(claimTimeMs(dialect))})
      WHERE state = 'settled' AND sid IS NOT NULL AND EXISTS (
        SELECT 1 FROM idempotency_keys kept WHERE kept.sid = idempotency_keys.sid AND kept.state = 'settled'
          AND (COALESCE(kept.settled_at, '') < COALESCE(idempotency_keys.settled_at, '')
            OR (COALESCE(kept.settled_at, '') = COALESCE(idempotency_keys.settled_at, '') AND kept.key < idempotency_keys.key)))`.execute(db);
    await sql.raw(`CREATE UNIQUE INDEX ${SETTLED_SID_INDEX} ON idempotency_keys (sid) WHERE state = 'settled' AND sid IS NOT NULL`).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex(SETTLED_SID_INDEX).ifExists().execute();
  },
});
