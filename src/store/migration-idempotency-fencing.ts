/**
 * Exactly once, fenced: a key remembers when its request was first made (`requested_at`, epoch ms in
 * the database's clock), so a run taking over a dead owner's key knows whether anything can have
 * reached Twilio at all; and, on PostgreSQL, claiming a new key becomes one function that serialises
 * claimants of the same caller's key (an advisory lock) before it checks for another fingerprint, so
 * two requests with different fingerprints under one key can never both be claimed (each statement in
 * the function sees what the lock's previous holder committed; one plain statement could not). That
 * covers one text split two ways (one part and three, say) only because the fingerprint of a text in
 * several parts names its layout (messaging/chunk-layout.ts); the content alone would let both through.
 */
// Types only at load: every send evaluates this file, and Kysely loads only with query-builder.ts when it runs.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './migrations.js';

export const CLAIM_NEW_KEY_FUNCTION = 'openclaw_claim_new_key';

/** A key's claim time (`created_at`, ISO text) in epoch ms, for keys written before `requested_at` existed; 0 when unreadable (any time then matches). */
export function claimTimeMs(dialect: Dialect): string {
  return dialect === 'postgres'
    ? 'COALESCE((extract(epoch from created_at::timestamptz) * 1000)::bigint, 0)'
    : 'COALESCE(CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER), 0)';
}

export function migrationIdempotencyFencing(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('idempotency_keys').addColumn('requested_at', 'bigint').execute();
      const { sql } = await import('./query-builder.js');
      // Before this migration a pending key meant "claimed before the request, may have gone out", and
      // a failed one may have been a lost answer: both were looked for in Twilio's list before a resend.
      // Without a request time they would now count as never requested and be sent at once, so each
      // gets its claim time (0 if unreadable: then any time matches) and is reconciled as before.
      await sql.raw(`UPDATE idempotency_keys SET requested_at = ${claimTimeMs(dialect)} WHERE state IN ('pending', 'failed')`).execute(db);
      if (dialect !== 'postgres') return;
      await sql
        .raw(
          `CREATE OR REPLACE FUNCTION ${CLAIM_NEW_KEY_FUNCTION}(p_key text, p_request_key text, p_scope text, p_request text, p_fingerprint text, p_owner text, p_lease_ms bigint)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  now_ms bigint := (extract(epoch from clock_timestamp()) * 1000)::bigint;
  inserted integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('idempotency_keys:' || p_request_key));
  INSERT INTO idempotency_keys (key, request_key, scope, request, fingerprint, state, result, sid, owner, lease_until, created_at, settled_at)
  SELECT p_key, p_request_key, p_scope, p_request, p_fingerprint, 'pending', NULL, NULL, p_owner, now_ms + p_lease_ms,
         to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), NULL
  WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys WHERE request_key = p_request_key AND fingerprint <> p_fingerprint)
  ON CONFLICT (key) DO NOTHING;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  RETURN inserted > 0;
END
$fn$`,
        )
        .execute(db);
    },
    async down(db: Kysely<unknown>) {
      const { sql } = await import('./query-builder.js');
      if (dialect === 'postgres') await sql.raw(`DROP FUNCTION IF EXISTS ${CLAIM_NEW_KEY_FUNCTION}(text, text, text, text, text, text, bigint)`).execute(db);
      await db.schema.alterTable('idempotency_keys').dropColumn('requested_at').execute();
    },
  };
}
