/** Row types of the store's tables, as Kysely sees them. Timestamps are ISO-8601 text in both databases. */
import type { Generated } from 'kysely';

export interface MessagesTable {
  sid: string;
  account_sid: string | null;
  direction: string;
  from_number: string;
  to_number: string;
  body: string;
  status: string;
  num_segments: number | null;
  error_code: number | null;
  /** A later final state that disagreed with the stored one (see delivery-status.ts). */
  status_conflict?: string | null;
  /** Why serve refused an inbound text (another number, an inbound limit); null when it was taken. */
  refused?: string | null;
  created_at: string;
  updated_at: string;
}

export interface CallsTable {
  sid: string;
  direction: string;
  from_number: string;
  to_number: string;
  status: string;
  duration_seconds: number | null;
  created_at: string;
  updated_at: string;
}

export interface EventsTable {
  id: Generated<number>;
  at: string;
  kind: string;
  correlation_id: string | null;
  data: string;
}

export interface IdempotencyKeysTable {
  key: string;
  scope: string;
  /** JSON of the request, written before it is sent. */
  request: string;
  state: 'pending' | 'settled' | 'failed';
  /** JSON of the outcome, written when settled. */
  result: string | null;
  created_at: string;
  settled_at: string | null;
  /** The caller's key, the same for every chunk of one text (chunks have keys of their own). */
  request_key: string | null;
  /** Hash of what the request sends (to, sender, body, media; for a text in several parts, how it was split): a key reused for another request is refused. */
  fingerprint: string | null;
  /** The resource's SID once settled, for "is this SID someone's already". */
  sid: string | null;
  /** The process that holds the key while it works (host, pid, random id), or null. */
  owner: string | null;
  /** Until when (epoch ms, the database's clock) the owner's claim holds unless renewed. */
  lease_until: number | null;
  /** When the request was first made (epoch ms, the database's clock), set before it leaves; null: never sent. */
  requested_at: number | null;
  /**
   * When this owner last lost the answer to the key's request (epoch ms, the database's clock): a run
   * taking the key over watches Twilio's list for as long after the loss as the owner would have.
   */
  answer_lost_at: number | null;
  /** When the latest request started (epoch ms, the database's clock; requested_at keeps the first). */
  last_request_at: number | null;
}

export interface ProcessedWebhooksTable {
  key: string;
  route: string;
  response_status: number;
  response_type: string;
  response_body: string;
  created_at: string;
  expires_at: string;
  /** The instance holding the webhook while it is claimed and unanswered (null: released). */
  owner: string | null;
}

export interface PairingRequestsTable {
  code: string;
  phone: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  created_at: string;
  expires_at: string;
  decided_at: string | null;
}

export interface AllowlistTable {
  phone: string;
  source: string;
  added_at: string;
}

export interface OptoutsTable {
  phone: string;
  source: string;
  created_at: string;
}

export interface ApprovalsTable {
  id: string;
  /** The idempotency key the approved send will use, so approving twice sends once. */
  key: string;
  kind: string;
  /** JSON of what will be sent. */
  request: string;
  status: 'pending' | 'approved' | 'rejected';
  reason: string;
  created_at: string;
  decided_at: string | null;
  /** Where the held text was to go: the local sandbox or Twilio (null for rows from before it was kept). */
  origin: 'sandbox' | 'twilio' | null;
}

export interface AutoRepliesTable {
  phone: string;
  /** What was answered, e.g. 'help'. */
  kind: string;
  /** 1 when the sender was not allowed to talk to the agent: counted toward pairing.maxCodesPerHour. */
  stranger: number;
  sent_at: string;
}

export interface RateSlotsTable {
  /** The from number or Messaging Service SID. */
  sender: string;
  /** The next free slot, epoch ms in the database's clock. */
  next_at: number;
}

/** A sender's recent sends: one row per place of its rate window (rate-window.ts). */
/** A late reply going out now (reply-plans.ts): removed after its last part; left by a dead instance, reported. */
export interface ReplyPlansTable {
  message_sid: string;
  to_number: string;
  from_number: string;
  parts: number;
  /** The serve instance sending it (instances.id). */
  owner: string;
  started_at: string;
}

export interface RateSendsTable {
  sender: string;
  place: number;
  /** When the send at this place was made, epoch ms in the database's clock; 0 when free. */
  sent_at: number;
}

/** A running `serve` (see store/instances.ts). */
export interface InstancesTable {
  id: string;
  host: string;
  pid: number;
  started_at: string;
  version: string;
  url: string;
  public_url: string | null;
  /** Epoch ms in the database's clock. */
  last_seen: number;
  /** When it decided to stop (epoch ms, the database's clock): it no longer counts as serving its number (migration 024). */
  stopping_at?: number | null;
}

export interface NumberOriginalsTable {
  number_sid: string;
  sms_url: string | null;
  voice_url: string | null;
  status_callback: string | null;
  recorded_at: string;
}

export interface TurnTicketsTable {
  id: Generated<number>;
  session_id: string;
  owner: string;
  created_at: string;
}

/** A local file sent as MMS, served to Twilio under its token until `expires_at` (epoch ms). */
export interface OutboundMediaTable {
  token_hash: string;
  content_type: string;
  size: number;
  sha256: string;
  filename: string;
  bytes: Uint8Array;
  created_at: string;
  expires_at: number;
}

export interface TurnLinesTable {
  session_id: string;
  turns: number;
}

/** One Twilio API request in flight (store/api-slots.ts). */
export interface ApiSlotsTable {
  account: string;
  slot: number;
  owner: string;
  lease_until: number;
}

export interface Database {
  auto_replies: AutoRepliesTable;
  approvals: ApprovalsTable;
  messages: MessagesTable;
  calls: CallsTable;
  events: EventsTable;
  idempotency_keys: IdempotencyKeysTable;
  number_originals: NumberOriginalsTable;
  processed_webhooks: ProcessedWebhooksTable;
  pairing_requests: PairingRequestsTable;
  allowlist: AllowlistTable;
  optouts: OptoutsTable;
  rate_slots: RateSlotsTable;
  rate_sends: RateSendsTable;
  reply_plans: ReplyPlansTable;
  instances: InstancesTable;
  turn_tickets: TurnTicketsTable;
  outbound_media: OutboundMediaTable;
  turn_lines: TurnLinesTable;
  api_slots: ApiSlotsTable;
}
