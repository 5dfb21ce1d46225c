/**
 * Nothing twice: each verified webhook is keyed on I-Twilio-Idempotency-Token (or a hash of the signed
 * URL, parameters and signature) and its answer kept for 24 h, so a redelivery gets the same answer and
 * no second agent turn, also after a restart. Concurrent copies wait for the first.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Store } from '../store/open-store.js';
import { signedParams } from './verify-signature.js';

export interface StoredAnswer {
  status: number;
  type: string;
  body: string;
}

const TTL_MS = 24 * 3_600_000;

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
      const stored = await store.db.selectFrom('processed_webhooks').selectAll().where('key', '=', key).where('expires_at', '>', new Date().toISOString()).executeTakeFirst();
      if (stored) return { answer: { status: stored.response_status, type: stored.response_type, body: stored.response_body }, replayed: true };
      const work = handle().then(async (answer) => {
        const now = new Date();
        await store.db
          .insertInto('processed_webhooks')
          .values({ key, route, response_status: answer.status, response_type: answer.type, response_body: answer.body, created_at: now.toISOString(), expires_at: new Date(now.getTime() + TTL_MS).toISOString() })
          .onConflict((oc) => oc.column('key').doUpdateSet({ response_status: answer.status, response_type: answer.type, response_body: answer.body, expires_at: new Date(now.getTime() + TTL_MS).toISOString() }))
          .execute();
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
