/**
 * Migration 023 (PostgreSQL only): a turn takes its ticket and learns whether any earlier ticket of
 * its conversation exists, in one round trip. Taking it and then looking for earlier tickets were two
 * on every text that became a turn, though most find nobody ahead. Two statements inside a function,
 * not one statement: the look must see the ticket of the turn whose line lock the take waited for, and
 * in a VOLATILE function each statement sees what committed before it began (one statement's snapshot
 * would be older than the lock).
 */
// Types only at load: every send evaluates this file, and Kysely loads only with query-builder.ts when it runs.
import type { Migration } from 'kysely';
import type { Dialect } from './migrations.js';
import { postgresFunctionMigration } from './postgres-function-migration.js';

export const TAKE_TURN_TICKET_FUNCTION = 'openclaw_take_turn_ticket';

export function migration023TakeTurnTicket(dialect: Dialect): Migration {
  // The take is the statement turn-tickets.ts ran before this migration; `earlier` counts every earlier ticket, a dead instance's too.
  return postgresFunctionMigration(dialect, {
    create: `CREATE OR REPLACE FUNCTION ${TAKE_TURN_TICKET_FUNCTION}(p_session_id text, p_owner text, p_created_at text)
RETURNS json LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  ticket bigint;
BEGIN
  WITH line AS (INSERT INTO turn_lines (session_id, turns) VALUES (p_session_id, 1) ON CONFLICT (session_id) DO UPDATE SET turns = turn_lines.turns + 1 RETURNING session_id)
  INSERT INTO turn_tickets (session_id, owner, created_at) SELECT session_id, p_owner, p_created_at FROM line RETURNING id INTO ticket;
  RETURN json_build_object('id', ticket, 'earlier', EXISTS (SELECT 1 FROM turn_tickets t WHERE t.session_id = p_session_id AND t.id < ticket));
END
$fn$`,
    drop: `DROP FUNCTION IF EXISTS ${TAKE_TURN_TICKET_FUNCTION}(text, text, text)`,
  });
}
