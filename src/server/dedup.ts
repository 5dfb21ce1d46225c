/**
 * Nothing twice: each verified webhook is keyed on what its signature covers (see dedupKey) and its
 * answer kept for 24 h, so a redelivery gets the same answer and
 * no second agent turn, also after a restart. Concurrent copies wait for the first.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Store } from '../store/open-store.js';
import { statement } from '../store/statement.js';
import type { ProcessedWebhooksTable } from '../store/tables.js';
import { signedParams } from './verify-signature.js';

export interface StoredAnswer {
  status: number;
  type: string;
  body: string;
}

const TTL_MS = 24 * 3_600_000;

const FIND_ANSWER = statement('SELECT response_status, response_type, response_body FROM processed_webhooks WHERE key = ? AND expires_at > ?');
const KEEP_ANSWER = statement(
  'INSERT INTO processed_webhooks (key, route, response_status, response_type, response_body, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (key) DO UPDATE SET response_status = excluded.response_status, response_type = excluded.response_type, response_body = excluded.response_body, expires_at = excluded.expires_at',
);

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

/** Status of a row whose webhook is claimed but not answered yet. */
const CLAIMED = 0;

export interface Delivery {
  answer: StoredAnswer;
  /** A copy of a delivery already handled (or being handled): no second turn. */
  replayed: boolean;
  /** An earlier delivery claimed the key but never stored an answer (it failed, or serve stopped mid-turn), so this one is handled. */
  claimedBefore: boolean;
}

export function createDeduplicator(store: Store) {
  const inFlight = new Map<string, Promise<StoredAnswer>>();
  const keep = (key: string, route: string, answer: StoredAnswer) => {
    const now = Date.now();
    return store.write(KEEP_ANSWER, [key, route, answer.status, answer.type, answer.body, new Date(now).toISOString(), new Date(now + TTL_MS).toISOString()]);
  };
  return {
    /** Runs `handle` once per key; later copies get the first answer. */
    async once(key: string, route: string, handle: () => Promise<StoredAnswer>): Promise<Delivery> {
      const pending = inFlight.get(key);
      if (pending) return { answer: await pending, replayed: true, claimedBefore: false };
      // Registered before the first await, so a copy arriving meanwhile waits for this one.
      const work = (async (): Promise<Delivery> => {
        const stored = await store.readOne<Pick<ProcessedWebhooksTable, 'response_status' | 'response_type' | 'response_body'>>(FIND_ANSWER, [key, new Date().toISOString()]);
        if (stored && stored.response_status !== CLAIMED) return { answer: { status: stored.response_status, type: stored.response_type, body: stored.response_body }, replayed: true, claimedBefore: false };
        // Claimed in the store before any side effect, so even a delivery that dies mid-turn leaves a trace.
        await keep(key, route, { status: CLAIMED, type: '', body: '' });
        const answer = await handle();
        await keep(key, route, answer);
        return { answer, replayed: false, claimedBefore: stored !== undefined };
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
