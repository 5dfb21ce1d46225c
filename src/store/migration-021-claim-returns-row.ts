/**
 * Migration 021 (PostgreSQL only): claiming a key answers in one round trip whatever it finds. The
 * claim of migration 017 said only "claimed" or "not"; a claimant that did not get the key then read
 * the row (and, when the key was not there, the row holding the caller's key for other parameters):
 * two or three round trips for every row met held or settled by another run, the usual case when
 * runs of one batch meet. This function claims as 017's does and, when it does not get the key,
 * returns that row (or the conflicting one) with the database's clock, read after the claim.
 */
// Types only at load: every send evaluates this file, and Kysely loads only with query-builder.ts when it runs.
import type { Migration } from 'kysely';
import type { Dialect } from './migrations.js';
import { CLAIM_NEW_KEY_FUNCTION } from './migration-idempotency-fencing.js';
import { postgresFunctionMigration } from './postgres-function-migration.js';

export const CLAIM_KEY_FUNCTION = 'openclaw_claim_key';

const ARGS = 'p_key text, p_request_key text, p_scope text, p_request text, p_fingerprint text, p_owner text, p_lease_ms bigint';

export function migration021ClaimReturnsRow(dialect: Dialect): Migration {
  // Each statement of a VOLATILE function sees what committed before it: the reads see the row a
  // concurrent claimant's insert (which the claim waited for) or settle wrote.
  return postgresFunctionMigration(dialect, {
    create: `CREATE OR REPLACE FUNCTION ${CLAIM_KEY_FUNCTION}(${ARGS})
RETURNS json LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  own_row idempotency_keys;
  other_row idempotency_keys;
BEGIN
  IF ${CLAIM_NEW_KEY_FUNCTION}(p_key, p_request_key, p_scope, p_request, p_fingerprint, p_owner, p_lease_ms) THEN
    RETURN json_build_object('claimed', true);
  END IF;
  SELECT * INTO own_row FROM idempotency_keys WHERE key = p_key;
  IF NOT FOUND THEN
    SELECT * INTO other_row FROM idempotency_keys WHERE request_key = p_request_key AND fingerprint <> p_fingerprint ORDER BY created_at LIMIT 1;
  END IF;
  RETURN json_build_object('claimed', false, 'db_now', (extract(epoch from clock_timestamp()) * 1000)::bigint,
    'row', CASE WHEN own_row.key IS NULL THEN NULL ELSE row_to_json(own_row) END,
    'conflict', CASE WHEN other_row.key IS NULL THEN NULL ELSE row_to_json(other_row) END);
END
$fn$`,
    drop: `DROP FUNCTION IF EXISTS ${CLAIM_KEY_FUNCTION}(text, text, text, text, text, text, bigint)`,
  });
}
