/**
 * One pending approval per key. Two runs of one batch with outbound.approval could each find no
 * pending row and insert one (check, then insert), so one text waited for approval two or three
 * times. Stores written before this have such copies: each key keeps its oldest pending row and the
 * later copies of it go (they hold the same request under the same key, so approving the one kept
 * sends what any of them would), then a unique partial index makes a copy impossible.
 */
import type { Kysely, Migration } from 'kysely';

/**
 * Kysely's `sql`, loaded when the migration runs: every send evaluates this file (it checks the
 * migrations' names), and the send bundle keeps Kysely in a file of its own (scripts/bundle.mjs).
 */
const loadSql = async () => (await import('./query-builder.js')).sql;

export const migration014ApprovalsPendingUnique: Migration = {
  async up(db: Kysely<unknown>) {
    const sql = await loadSql();
    await sql`DELETE FROM approvals WHERE status = 'pending' AND EXISTS (
      SELECT 1 FROM approvals AS earlier
      WHERE earlier.key = approvals.key AND earlier.status = 'pending'
        AND (earlier.created_at < approvals.created_at OR (earlier.created_at = approvals.created_at AND earlier.id < approvals.id)))`.execute(db);
    await sql`CREATE UNIQUE INDEX approvals_pending_key ON approvals (key) WHERE status = 'pending'`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    const sql = await loadSql();
    await sql`DROP INDEX IF EXISTS approvals_pending_key`.execute(db);
  },
};
