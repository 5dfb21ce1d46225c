/**
 * Versioned migrations, the same for SQLite and PostgreSQL. Add a new entry for every change;
 * never edit one that has shipped.
 */
// Types only: the send path reads the migration names without loading the query builder.
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { migration012MessagesRefused } from './migration-012-messages-refused.js';
import { migration014ApprovalsPendingUnique } from './migration-014-approvals-pending-unique.js';
import { migration015ApiSlots } from './migration-015-api-slots.js';
import { migration016RateSends } from './migration-016-rate-sends.js';
import { migrationIdempotencyFencing } from './migration-idempotency-fencing.js';
import { migration018SettledSidUnique } from './migration-018-settled-sid-unique.js';
import { migration019AnswerLostAt } from './migration-019-answer-lost-at.js';
import { migration020LastRequestAt } from './migration-020-last-request-at.js';
import { migration021ClaimReturnsRow } from './migration-021-claim-returns-row.js';
import { migration022ClaimSettledKey } from './migration-022-claim-settled-key.js';
import { migration023TakeTurnTicket } from './migration-023-take-turn-ticket.js';
import { migration024NumberRestore } from './migration-024-number-restore.js';
import { migration025ReplyPlans } from './migration-025-reply-plans.js';
import { migration008ServeInstances, migration009WebhookClaimOwner, migration010TurnTickets, migration013TurnLines } from './migrations-instances.js';

export type Dialect = 'sqlite' | 'postgres';

function migration001(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('messages')
        .addColumn('sid', 'text', (c) => c.primaryKey())
        .addColumn('account_sid', 'text')
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('from_number', 'text', (c) => c.notNull())
        .addColumn('to_number', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('num_segments', 'integer')
        .addColumn('error_code', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('messages_to_created').on('messages').columns(['to_number', 'created_at']).execute();
      await db.schema
        .createTable('calls')
        .addColumn('sid', 'text', (c) => c.primaryKey())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('from_number', 'text', (c) => c.notNull())
        .addColumn('to_number', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('duration_seconds', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('events')
        .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('correlation_id', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_kind_at').on('events').columns(['kind', 'at']).execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('settled_at', 'text')
        .execute();
      await db.schema
        .createTable('processed_webhooks')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('route', 'text', (c) => c.notNull())
        .addColumn('response_status', 'integer', (c) => c.notNull())
        .addColumn('response_type', 'text', (c) => c.notNull())
        .addColumn('response_body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('processed_webhooks_expiry').on('processed_webhooks').column('expires_at').execute();
      await db.schema
        .createTable('pairing_requests')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .execute();
      await db.schema.createIndex('pairing_requests_phone').on('pairing_requests').columns(['phone', 'created_at']).execute();
      await db.schema
        .createTable('allowlist')
        .addColumn('phone', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('added_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('optouts')
        .addColumn('phone', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const t of ['optouts', 'allowlist', 'pairing_requests', 'processed_webhooks', 'idempotency_keys', 'events', 'calls', 'messages']) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}

const migration002: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('approvals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text')
      .execute();
    await db.schema.createIndex('approvals_key').on('approvals').column('key').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('approvals').ifExists().execute();
  },
};

/** An approval remembers whether it was held on the sandbox or on Twilio, so approving needs no flag. */
const migration003: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('approvals').addColumn('origin', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('approvals').dropColumn('origin').execute();
  },
};

/** Automatic answers (HELP) sent to a sender: once a day each, and strangers' count toward the hourly cap. */
const migration004: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('auto_replies')
      .addColumn('phone', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('stranger', 'integer', (c) => c.notNull())
      .addColumn('sent_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('auto_replies_phone').on('auto_replies').columns(['phone', 'kind', 'sent_at']).execute();
    await db.schema.createIndex('auto_replies_sent_at').on('auto_replies').column('sent_at').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('auto_replies').ifExists().execute();
  },
};

/**
 * Exactly once across processes: a key remembers what it stood for (a fingerprint of the request and
 * the caller's key, so a reused key with other parameters is refused), its SID as a column (the
 * reconciliation lookup was a LIKE over JSON text), and who holds it until when (owner and lease).
 */
function migration005(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const column of ['request_key', 'fingerprint', 'sid', 'owner']) await db.schema.alterTable('idempotency_keys').addColumn(column, 'text').execute();
      await db.schema.alterTable('idempotency_keys').addColumn('lease_until', 'bigint').execute();
      // Keys settled before this migration: their SID moves from the result's JSON into the column.
      const keys = db as unknown as Kysely<{ idempotency_keys: { sid: string | null; result: string | null; state: string } }>;
      await keys
        .updateTable('idempotency_keys')
        .set((eb) => ({
          sid: dialect === 'postgres' ? eb.fn<string>('json_extract_path_text', [eb.cast(eb.ref('result'), 'json'), eb.val('sid')]) : eb.fn<string>('json_extract', [eb.ref('result'), eb.val('$.sid')]),
        }))
        .where('state', '=', 'settled')
        .where('result', 'is not', null)
        .execute();
      await db.schema.createIndex('idempotency_keys_sid').on('idempotency_keys').column('sid').execute();
      await db.schema.createIndex('idempotency_keys_request_key').on('idempotency_keys').column('request_key').execute();
      await db.schema.createIndex('idempotency_keys_owner').on('idempotency_keys').column('owner').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const index of ['idempotency_keys_owner', 'idempotency_keys_request_key', 'idempotency_keys_sid']) await db.schema.dropIndex(index).ifExists().execute();
      for (const column of ['lease_until', 'owner', 'sid', 'fingerprint', 'request_key']) await db.schema.alterTable('idempotency_keys').dropColumn(column).execute();
    },
  };
}

/** Each sender's next free send slot, shared by every process using the store (see rate-slots.ts). */
const migration006: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rate_slots')
      .addColumn('sender', 'text', (c) => c.primaryKey())
      .addColumn('next_at', 'double precision', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('rate_slots').ifExists().execute();
  },
};

/** Delivery states: a second, disagreeing final state is recorded here, not written over the first; `created_at` indexed for the retention of bodies. */
const migration007MessageStatusConflicts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('messages').addColumn('status_conflict', 'text').execute();
    await db.schema.createIndex('messages_created').on('messages').column('created_at').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('messages_created').ifExists().execute();
    await db.schema.alterTable('messages').dropColumn('status_conflict').execute();
  },
};

/**
 * Outbound MMS from local files: each file's bytes under the hash of its URL token until it expires
 * (any serve sharing the store serves it).
 */
function migration011OutboundMedia(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('outbound_media')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('bytes', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('outbound_media_expires').on('outbound_media').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('outbound_media').ifExists().execute();
    },
  };
}

export function createMigrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations() {
      return {
        '001_initial': migration001(dialect), '002_approvals': migration002, '003_approvals_origin': migration003, '004_auto_replies': migration004, '005_idempotency_fingerprint_sid_lease': migration005(dialect), '006_rate_slots': migration006, '007_message_status_conflicts': migration007MessageStatusConflicts,
        '008_serve_instances': migration008ServeInstances,
        '009_webhook_claim_owner': migration009WebhookClaimOwner,
        '010_turn_tickets': migration010TurnTickets(dialect),
        '011_outbound_media': migration011OutboundMedia(dialect),
        '012_messages_refused': migration012MessagesRefused,
        '013_turn_lines': migration013TurnLines,
        '014_approvals_pending_unique': migration014ApprovalsPendingUnique,
        '015_api_slots': migration015ApiSlots,
        '016_rate_sends': migration016RateSends,
        '017_idempotency_requested_at_and_atomic_claim': migrationIdempotencyFencing(dialect),
        '018_idempotency_settled_sid_unique': migration018SettledSidUnique(dialect),
        '019_idempotency_answer_lost_at': migration019AnswerLostAt,
        '020_idempotency_last_request_at': migration020LastRequestAt,
        '021_idempotency_claim_returns_row': migration021ClaimReturnsRow(dialect),
        '022_idempotency_claim_settled_key': migration022ClaimSettledKey(dialect),
        '023_take_turn_ticket': migration023TakeTurnTicket(dialect),
        '024_number_restore': migration024NumberRestore,
        '025_reply_plans': migration025ReplyPlans,
      };
    },
  };
}
