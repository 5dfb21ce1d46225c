/**
 * Nothing twice: each verified webhook is keyed on I-Twilio-Idempotency-Token (or a hash of the signed
 * URL, parameters and signature) and its answer kept for 24 h, so a redelivery gets the same answer and
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

export function dedupKey(req: FastifyRequest): string {
  const token = req.headers['i-twilio-idempotency-token'];
  if (typeof token === 'string' && token) return `token:${token}`;
  const params = signedParams(req.body);
  const canonical = Object.keys(params).sort().map((k) => `${k}=${JSON.stringify(params[k])}`).join('&');
  return 'hash:' + createHash('sha256').update(`${req.url}\n${canonical}\n${req.headers['x-twilio-signature'] ?? ''}`).digest('hex');
}

export function createDeduplicator(store: Store) {
  const inFlight = new Map<string, Promise<StoredAnswer>>();
  return {
    /** Runs `handle` once per key; later copies get the first answer. `replayed` says which. */
    async once(key: string, route: string, handle: () => Promise<StoredAnswer>): Promise<{ answer: StoredAnswer; replayed: boolean }> {
      const pending = inFlight.get(key);
      if (pending) return { answer: await pending, replayed: true };
      const stored = await store.readOne<Pick<ProcessedWebhooksTable, 'response_status' | 'response_type' | 'response_body'>>(FIND_ANSWER, [key, new Date().toISOString()]);
      if (stored) return { answer: { status: stored.response_status, type: stored.response_type, body: stored.response_body }, replayed: true };
      const work = handle().then(async (answer) => {
        const now = Date.now();
        await store.write(KEEP_ANSWER, [key, route, answer.status, answer.type, answer.body, new Date(now).toISOString(), new Date(now + TTL_MS).toISOString()]);
        return answer;
      });
      inFlight.set(key, work);
      try {
        return { answer: await work, replayed: false };
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
