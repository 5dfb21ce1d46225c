/**
 * Nothing twice: each verified webhook is keyed on what its signature covers (see dedupKey) and its
 * answer kept for 24 h, so a redelivery gets the same answer and
 * no second agent turn, also after a restart, and also when it reaches another `serve` instance on
 * the same PostgreSQL store. Concurrent copies wait for the first.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { newOwnerId } from '../store/claims.js';
import { instanceAlive } from '../store/instances.js';
import type { Store } from '../store/open-store.js';
import { type Param, type Statement, statement, withDbNow } from '../store/statement.js';
import type { ProcessedWebhooksTable } from '../store/tables.js';
import { signedParams } from './verify-signature.js';
import { voidUnsentAnswerReply } from './reply-keys.js';
import type { ServeEventMap } from './events.js';
import type { OrphanedWebhook } from '../store/instances.js';

export interface StoredAnswer {
  status: number;
  type: string;
  body: string;
}

const TTL_MS = 24 * 3_600_000;
const CLAIMED_SQL = '0';

const CLAIM = statement(`INSERT INTO processed_webhooks (key, route, response_status, response_type, response_body, created_at, expires_at, owner) VALUES (?, ?, ${CLAIMED_SQL}, '', '', ?, ?, ?) ON CONFLICT (key) DO NOTHING`);
const FIND = withDbNow(`SELECT response_status, response_type, response_body, owner, expires_at <= ? AS expired, ${instanceAlive('processed_webhooks.owner')} AS owner_alive FROM processed_webhooks WHERE key = ?`);
// One instance wins a key that expired, was released after a failure, is its own (a release that failed), or whose owner died (FIND's test, in the statement).
const TAKE_OVER = withDbNow(
  `UPDATE processed_webhooks SET owner = ?, response_status = ${CLAIMED_SQL}, response_type = '', response_body = '', created_at = ?, expires_at = ? ` +
    `WHERE key = ? AND (expires_at <= ? OR (response_status = ${CLAIMED_SQL} AND (owner IS NULL OR owner = ? OR NOT ${instanceAlive('processed_webhooks.owner')})))`,
);
// Kept only by the instance that still holds the key: one whose claim another instance took over
// (it froze past the liveness expiry) keeps nothing and hands nothing to Twilio.
const KEEP_ANSWER = statement('UPDATE processed_webhooks SET response_status = ?, response_type = ?, response_body = ?, owner = NULL WHERE key = ? AND owner = ?');
const RELEASE = statement(`UPDATE processed_webhooks SET owner = NULL WHERE key = ? AND owner = ? AND response_status = ${CLAIMED_SQL}`);

/**
 * The key a delivery is known by, built only from what the signature covers: the path and query
 * (never the fragment, which verification ignores) and the signed parameters. A message is its
 * MessageSid (plus its status, for status callbacks); anything else (a call's webhooks differ by status,
 * digits, speech) is the hash of every signed parameter. I-Twilio-Idempotency-Token is not part of
 * the key: nothing signs it, so a replayed request with a new token would otherwise be a new turn.
 */
export function dedupKey(req: FastifyRequest): string {
  const target = req.url.split('#')[0];
  const params = signedParams(req.body);
  const first = (k: string) => {
    const v = params[k];
    return (Array.isArray(v) ? v[0] : v) ?? '';
  };
  const messageSid = first('MessageSid') || first('SmsSid');
  if (messageSid && !first('CallSid')) return `msg:${target}:${messageSid}:${first('MessageStatus') || first('SmsStatus')}`;
  const canonical = Object.keys(params).sort().map((k) => `${k}=${JSON.stringify(params[k])}`).join('&');
  return 'hash:' + createHash('sha256').update(`${target}\n${canonical}`).digest('hex');
}

/** The MessageSid a key names (`msg:<target>:<sid>:<status>`), capped: it came from a request. */
export function messageSidOfKey(key: string): string | undefined {
  if (!key.startsWith('msg:')) return undefined;
  const parts = key.split(':');
  return parts.at(-2)?.slice(0, 64) || undefined;
}

/** What the log says of a webhook a dead instance never answered (its body is not stored: it cannot be replayed). */
export function orphanedFields(w: OrphanedWebhook): ServeEventMap['webhook.orphaned'] {
  const messageSid = messageSidOfKey(w.key);
  const what = messageSid ? `message ${messageSid}` : 'a webhook';
  const message = `${w.route.slice(0, 64)}: ${what} was being handled by a serve instance that stopped before answering; unless Twilio delivers it again (the number's fallback URL), it did not reach the agent`;
  return { route: w.route.slice(0, 64), ...(messageSid ? { messageSid } : {}), message };
}

/** Status of a row whose webhook is claimed but not answered yet. */
const CLAIMED = 0;
/** A copy whose first delivery another live instance is handling waits this long for its answer. */
const WAIT_FOR_OTHER_MS = 10_000;

export interface Delivery {
  answer: StoredAnswer;
  /** A copy of a delivery already handled (or being handled): no second turn. */
  replayed: boolean;
  /** An earlier delivery claimed the key but never stored an answer (it failed, or serve stopped mid-turn), so this one is handled. */
  claimedBefore: boolean;
}

/** A copy arrived while another live instance still handles the first delivery, for longer than a copy waits. */
export class HandledElsewhere extends Error {
  constructor(readonly owner: string) {
    super(`another serve instance (${owner}) is still handling the first delivery of this webhook`);
  }
}

type Row = Pick<ProcessedWebhooksTable, 'response_status' | 'response_type' | 'response_body' | 'owner'> & { expired: number | boolean; owner_alive: number | boolean };

/**
 * `owner` names this instance (see instance.ts): a key it claimed stays its own while it is alive, so
 * a copy reaching another instance waits for the answer instead of making a second turn. Without
 * one (a single process, the tests), claims are this process's alone.
 */
export function createDeduplicator(store: Store, owner = newOwnerId()) {
  const inFlight = new Map<string, Promise<StoredAnswer>>();
  const stamps = () => {
    const now = Date.now();
    return [new Date(now).toISOString(), new Date(now + TTL_MS).toISOString()];
  };
  // Conditional statements whose row count says who won, so two instances (PostgreSQL) cannot both
  // claim a key. On SQLite (one serve per file) they ride the group commit (a commit of its own per
  // webhook would cost more than the rest of the webhook's writes); `inFlight` keeps copies within the
  // process to one turn. A new webhook is claimed first, and read only when the claim did not get it.
  const claimed = async (s: Statement, params: Param[]) => (await store.write(s, params)) === 1;
  const tryClaim = (key: string, route: string) => claimed(CLAIM, [key, route, ...stamps(), owner]);
  const tryTakeOver = (key: string) => claimed(TAKE_OVER, [owner, ...stamps(), key, new Date().toISOString(), owner]);

  /** Claims the key for this instance, or finds the answer (waiting for one another live instance is working on). */
  async function claimOrAnswer(key: string, route: string): Promise<Delivery | { claimedBefore: boolean }> {
    if (await tryClaim(key, route)) return { claimedBefore: false };
    const started = Date.now();
    for (let pause = 25; ; pause = Math.min(pause * 2, 250)) {
      const row = await store.readOne<Row>(FIND, [new Date().toISOString(), key]);
      if (!row) {
        if (await tryClaim(key, route)) return { claimedBefore: false };
        continue; // purged meanwhile, or another instance claimed it first: look again
      }
      const expired = Boolean(row.expired);
      if (!expired && row.response_status !== CLAIMED) return { answer: { status: row.response_status, type: row.response_type, body: row.response_body }, replayed: true, claimedBefore: false };
      // Expired, released after a failure, or its instance died: handled again, by one instance.
      if (expired || !row.owner || !row.owner_alive || row.owner === owner) {
        if (!(await tryTakeOver(key))) continue;
        // Its earlier handling kept no answer, so Twilio got none: a TwiML reply it claimed never went.
        if (!expired) await voidUnsentAnswerReply(store, messageSidOfKey(key));
        return { claimedBefore: !expired };
      }
      if (Date.now() - started > WAIT_FOR_OTHER_MS) throw new HandledElsewhere(row.owner);
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  /**
   * Stores the answer before it goes to Twilio (review S4, session 9). When the store fails, Twilio gets
   * an error instead, so the key is let go and its TwiML reply voided (as far as the store allows), and
   * a redelivery is handled afresh with its reply; when another instance took the key over meanwhile,
   * that instance answers, not this one.
   */
  async function keepAnswer(key: string, answer: StoredAnswer): Promise<void> {
    let kept: number;
    try {
      kept = await store.write(KEEP_ANSWER, [answer.status, answer.type, answer.body, key, owner]);
    } catch (err) {
      await store.write(RELEASE, [key, owner]).catch(() => undefined);
      await voidUnsentAnswerReply(store, messageSidOfKey(key)).catch(() => undefined);
      throw err;
    }
    if (kept === 0) throw new HandledElsewhere('another instance, which took this webhook over');
  }

  return {
    /** Runs `handle` once per key; later copies get the first answer. */
    async once(key: string, route: string, handle: () => Promise<StoredAnswer>): Promise<Delivery> {
      const pending = inFlight.get(key);
      if (pending) return { answer: await pending, replayed: true, claimedBefore: false };
      // Registered before the first await, so a copy arriving meanwhile waits for this one.
      const work = (async (): Promise<Delivery> => {
        // Claimed in the store before any side effect, so even a delivery that dies mid-turn leaves a trace.
        const claim = await claimOrAnswer(key, route);
        if ('answer' in claim) return claim;
        let answer: StoredAnswer;
        try {
          answer = await handle();
        } catch (err) {
          // Released, so a retry is handled at once by whichever instance it reaches.
          await store.write(RELEASE, [key, owner]);
          throw err;
        }
        await keepAnswer(key, answer);
        return { answer, replayed: false, claimedBefore: claim.claimedBefore };
      })();
      const answer = work.then((d) => d.answer);
      answer.catch(() => undefined); // a failure is the first delivery's to report; copies waiting on it see it too
      inFlight.set(key, answer);
      try {
        return await work;
      } finally {
        inFlight.delete(key);
      }
    },
    async purgeExpired(): Promise<void> {
      await store.db.deleteFrom('processed_webhooks').where('expires_at', '<=', new Date().toISOString()).execute();
    },
  };
}

export type Deduplicator = ReturnType<typeof createDeduplicator>;
