/**
 * Migration 022 (PostgreSQL only): a key claimed already settled, in one round trip, for an action that
 * is done the moment it is claimed (a reply handed back in a webhook's TwiML answer, reply-keys.ts).
 * Claiming it pending and settling it were two round trips on every webhook answered with a reply.
 * Like migration 017's claim, it first takes the advisory lock of the caller's key, so it and any other
 * claim under that key (the parts of an API reply to the same text) are decided one after the other,
 * each seeing what the one before committed.
 */
// Types only at load: every send evaluates this file, and Kysely loads only with query-builder.ts when it runs.
import type { Migration } from 'kysely';
import type { Dialect } from './migrations.js';
import { postgresFunctionMigration } from './postgres-function-migration.js';

export const CLAIM_SETTLED_KEY_FUNCTION = 'openclaw_claim_settled_key';

const ARGS = 'p_key text, p_request_key text, p_scope text, p_request text, p_fingerprint text, p_owner text, p_result text, p_sid text';

export function migration022ClaimSettledKey(dialect: Dialect): Migration {
  // Inserted only when the key is new, the caller's key stands for no other parameters, and no
  // settled key has this SID (migration 018's unique index; checked here so the usual case raises nothing).
  return postgresFunctionMigration(dialect, {
    create: `CREATE OR REPLACE FUNCTION ${CLAIM_SETTLED_KEY_FUNCTION}(${ARGS})
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  now_ms bigint := (extract(epoch from clock_timestamp()) * 1000)::bigint;
  now_iso text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  inserted integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('idempotency_keys:' || p_request_key));
  INSERT INTO idempotency_keys (key, request_key, scope, request, fingerprint, state, result, sid, owner, lease_until, created_at, settled_at)
  SELECT p_key, p_request_key, p_scope, p_request, p_fingerprint, 'settled', p_result, p_sid, p_owner, now_ms, now_iso, now_iso
  WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys WHERE request_key = p_request_key AND fingerprint <> p_fingerprint)
    AND NOT EXISTS (SELECT 1 FROM idempotency_keys WHERE sid = p_sid AND state = 'settled')
  ON CONFLICT (key) DO NOTHING;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  RETURN inserted > 0;
END
$fn$`,
    drop: `DROP FUNCTION IF EXISTS ${CLAIM_SETTLED_KEY_FUNCTION}(text, text, text, text, text, text, text, text)`,
  });
}
