/**
 * The one way any outbound action (a text, a call) is claimed before it is made, whatever else shares
 * the store: this process, another `send` on the same machine, or a `serve` on another machine.
 *
 * A process is one `ClaimOwner`: an id that is never reused (host, pid and a random part) and a
 * heartbeat that renews the leases of the keys it works on. Claiming a key answers one of:
 * - `claimed`: this owner holds it; when `takenOver`, an earlier owner died holding it, so the caller
 *   must look in Twilio's list for what that owner may have sent before sending anything;
 * - `settled`: done already (by an earlier run, or by another run right now);
 * - `busy`: another live owner is working on it: do not send; wait or come back later;
 * - `conflict`: the caller's key stands for different parameters: refuse, as payment APIs do.
 */
import { monotonicMs } from '../monotonic-ms.js';
import type { Store } from './open-store.js';
import { newOwnerId, ownerIsGoneFromThisMachine } from './owner-id.js';
import { sha256Hex } from '../sha256.js';
import {
  claimOrRead,
  type KeyRequest,
  type KeyRow,
  markAnswerLost,
  rearmFailedKey,
  releaseKey,
  startRequest,
  unmarkRequest,
  releaseOwnerKeys,
  renewKey,
  withdrawKey,
  renewOwnerKeys,
  takeOverKey,
  takeOverKeyFrom,
} from './idempotency.js';

export { newOwnerId } from './owner-id.js';

/** How long a claim holds without renewal: how soon others take over a dead owner's keys not in flight (a key whose request is in flight stays fenced for its time limit plus FENCE_MARGIN_MS). */
export const LEASE_MS = 5000;
/** The heartbeat renews well inside the lease, so a busy event loop does not lose it. */
const RENEW_EVERY_MS = 1250;
/**
 * What a request's fence adds to the request's own time limit: the time its bytes may still travel
 * (a frozen process resumed, TCP retransmissions) after this process gave up on it.
 */
export const FENCE_MARGIN_MS = 5000;

/** A key's earlier request, when one was made: its time and the database's time when the claim read it (both epoch ms, database clock). */
export interface EarlierRequest {
  at: number;
  dbNow: number;
  /** When the latest request started (database clock; unknown for keys from before migration 020). */
  lastAt?: number;
  /** When the earlier owner lost the answer to a request (database clock), if it did. */
  answerLostAt?: number;
}

/** A request under way under a fenced key (see ClaimOwner.startRequest). */
export interface RequestFence {
  /** When the key's first request was made (epoch ms, the database's clock). */
  requestedAt: number;
  /** When the request must be given up (monotonicMs), before the key's fence runs out. */
  deadline: number;
  /** The request's time limit from now. */
  timeLeftMs(): number;
}

export type Claim =
  | { kind: 'claimed'; takenOver: boolean; since: Date; earlierRequest?: EarlierRequest }
  | { kind: 'settled'; row: KeyRow }
  | { kind: 'busy'; owner: string; retryInMs: number }
  | { kind: 'conflict'; row: KeyRow };

export interface ClaimOwner {
  readonly id: string;
  /** When this owner started, to tell "sent by a run going on now" from "sent long ago". */
  readonly startedAt: string;
  claim(req: KeyRequest): Promise<Claim>;
  /** Renews one key's lease; false when the key was lost. */
  confirm(key: string): Promise<boolean>;
  /**
   * Right before the request leaves (the irreversible step): records in the store that the key was
   * requested, and fences it: nobody takes the key over before the database's now + `timeoutMs` +
   * FENCE_MARGIN_MS, while the request itself is given up (its time limit) before that. Undefined when
   * the key was lost (another run took it over): the request must not be made.
   */
  startRequest(key: string, timeoutMs: number): Promise<RequestFence | undefined>;
  /** The answer to the key's request was lost: recorded, so a run that takes the key over watches Twilio's list as long after the loss. */
  answerLost(key: string): Promise<void>;
  /** The request started at `requestedAt` (and every one before it) certainly created nothing: the key counts as never requested. */
  requestNotMade(key: string, requestedAt: number): Promise<void>;
  /** The key is settled or failed: stop renewing it. */
  done(key: string): void;
  /** The outcome is unknown: let another run reconcile it at once instead of after the lease. */
  abandon(key: string): Promise<void>;
  /** Nothing was sent under a fresh claim (a stop came first): remove it, so the next run claims it anew. */
  withdraw(key: string): Promise<void>;
  /** Stops the heartbeat and lets go of every key still held. */
  close(): Promise<void>;
  /** Whether another owner (a `busy` claim's) is known gone from this machine, so its keys are taken over at once; asks the store nothing. */
  ownerIsGone(owner: string): boolean;
}

/** A stable digest of what a request sends; the same parameters give the same fingerprint. */
export function fingerprintOf(params: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k] ?? null]));
  return sha256Hex(canonical).slice(0, 32);
}

/**
 * Whether a live lease may be cut short because its owner's process is gone from this machine. A SQLite
 * file lives on one machine, so there an owner with this machine's host name ran here; PostgreSQL is
 * shared by machines that may have the same host name, so there only an owner id carrying this boot's
 * identity counts (owner-id.ts: the kernel's boot id on Linux; elsewhere the lease alone decides).
 */
function ownerIsDead(store: Store, owner: string | null): owner is string {
  return owner !== null && ownerIsGoneFromThisMachine(owner, store.dialect === 'sqlite');
}

export function createClaimOwner(store: Store, opts: { onRenewError?: (err: Error) => void } = {}): ClaimOwner {
  const id = newOwnerId();
  const held = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const heartbeat = () => {
    renewOwnerKeys(store, id, LEASE_MS).catch((err: Error) => opts.onRenewError?.(err));
  };
  const hold = (key: string) => {
    held.add(key);
    if (!timer) {
      timer = setInterval(heartbeat, RENEW_EVERY_MS);
      timer.unref();
    }
  };
  const done = (key: string) => {
    held.delete(key);
    if (!held.size && timer) timer = void clearInterval(timer);
  };

  async function claimOnce(req: KeyRequest): Promise<Claim | undefined> {
    const found = await claimOrRead(store, req, id, LEASE_MS);
    if (found.claimed) return { kind: 'claimed', takenOver: false, since: new Date() };
    const row = found.row;
    if (!row) return found.conflict ? { kind: 'conflict', row: found.conflict } : undefined; // removed meanwhile: try again
    if (row.fingerprint && row.fingerprint !== req.fingerprint) return { kind: 'conflict', row };
    if (row.state === 'settled') return { kind: 'settled', row };
    if (row.state === 'failed') return (await rearmFailedKey(store, req.key, id, LEASE_MS)) ? rearmedClaim(row) : undefined;
    const live = row.lease_until !== null && row.lease_until >= row.db_now;
    // A killed run (kill -9, a crash) renews nothing, but its lease would keep every other run off its
    // keys for up to LEASE_MS; when its process is known gone, its keys are taken over (and reconciled) now.
    if (live && ownerIsDead(store, row.owner)) {
      return (await takeOverKeyFrom(store, req.key, row.owner, id, LEASE_MS)) ? takenOverClaim(row) : undefined;
    }
    if (live) return { kind: 'busy', owner: row.owner ?? 'another run', retryInMs: busyRetryMs(row) };
    return (await takeOverKey(store, req.key, id, LEASE_MS)) ? takenOverClaim(row) : undefined;
  }

  return {
    id,
    // The process's start, not this object's: a run that settled the key while this one was starting up is "another run".
    // (From process.uptime(): the global `performance` loads perf_hooks, ~1 ms of a one-message send on Node 20.)
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    async claim(req) {
      // Another claimant can change the row between two statements; each retry sees the newer state.
      for (let attempt = 0; attempt < 5; attempt++) {
        const claim = await claimOnce(req);
        if (claim?.kind === 'claimed') hold(req.key);
        if (claim) return claim;
      }
      return { kind: 'busy', owner: 'another run', retryInMs: 100 };
    },
    async confirm(key) {
      return renewKey(store, key, id, LEASE_MS);
    },
    async startRequest(key, timeoutMs) {
      // The local limit counts from before the statement, so it ends before the fence the database sets after.
      const deadline = monotonicMs() + timeoutMs;
      const requestedAt = await startRequest(store, key, id, timeoutMs + FENCE_MARGIN_MS);
      if (requestedAt === undefined) return undefined;
      return { requestedAt, deadline, timeLeftMs: () => Math.max(0, deadline - monotonicMs()) };
    },
    async answerLost(key) {
      await markAnswerLost(store, key, id);
    },
    async requestNotMade(key, requestedAt) {
      await unmarkRequest(store, key, id, requestedAt);
    },
    done,
    async abandon(key) {
      done(key);
      await releaseKey(store, key, id);
    },
    async withdraw(key) {
      done(key);
      await withdrawKey(store, key, id);
    },
    ownerIsGone: (owner) => ownerIsDead(store, owner),
    async close() {
      if (timer) timer = void clearInterval(timer);
      if (held.size) await releaseOwnerKeys(store, id);
      held.clear();
    },
  };
}

/**
 * When to look again at a key another live owner holds: when its lease may have run out, but within
 * half a second. A request in flight (requested, not settled) usually settles within one answer's time,
 * so such a key is looked at again after about as long as it has been in flight so far (at least 50 ms):
 * soon after a fresh request, every half second for one stalled.
 */
function busyRetryMs(row: KeyRow): number {
  const inFlightMs = row.requested_at !== null ? row.db_now - row.requested_at : Infinity;
  return Math.min(500, Math.max(50, Math.min(inFlightMs, row.lease_until! - row.db_now)));
}

/** A key taken over from an owner that stopped: what the new owner must reconcile before sending. */
function takenOverClaim(row: KeyRow): Claim {
  if (row.requested_at === null) return { kind: 'claimed', takenOver: true, since: new Date(row.created_at) };
  const earlierRequest: EarlierRequest = {
    at: row.requested_at,
    dbNow: row.db_now,
    ...(row.last_request_at !== null ? { lastAt: row.last_request_at } : {}),
    ...(row.answer_lost_at !== null ? { answerLostAt: row.answer_lost_at } : {}),
  };
  return { kind: 'claimed', takenOver: true, since: new Date(row.created_at), earlierRequest };
}

/**
 * A failed key tried again. One whose request time stayed (its failure was not a refusal that created
 * nothing: an answer that may have come after Twilio made the message) is reconciled as after a crash.
 */
function rearmedClaim(row: KeyRow): Claim {
  return row.requested_at !== null ? takenOverClaim(row) : { kind: 'claimed', takenOver: false, since: new Date() };
}

const ownersByStore = new WeakMap<Store, ClaimOwner>();

/** The claim owner of a process that did not create its own (serve's late replies): one per store. */
export function claimOwnerFor(store: Store): ClaimOwner {
  let owner = ownersByStore.get(store);
  if (!owner) ownersByStore.set(store, (owner = createClaimOwner(store)));
  return owner;
}
