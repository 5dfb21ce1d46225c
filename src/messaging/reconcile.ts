/**
 * Twilio has no idempotency key for Messages, so a key left pending (the process stopped between
 * the request and the settle, or the answer was lost) is matched against the Messages list before
 * anything is sent again: same To, same sender, same body, created after the key was written, and
 * not already claimed by another key.
 */
import { sidIsClaimed } from '../store/idempotency.js';
import type { Store } from '../store/open-store.js';
import { listMessages, type TwilioMessage } from '../twilio/messages-api.js';
import type { RestClient } from '../twilio/rest-client.js';

export interface SentLookup {
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  /** When the key was written (before the request). */
  since: Date;
}

// Twilio's clock and ours may differ a little.
const CLOCK_SKEW_MS = 120_000;

export async function findSentMessage(client: RestClient, store: Store, q: SentLookup): Promise<TwilioMessage | undefined> {
  const dayBefore = new Date(q.since.getTime() - 86_400_000).toISOString().slice(0, 10);
  const candidates = await listMessages(client, { to: q.to, from: q.messagingServiceSid ? undefined : q.from, sentAfter: dayBefore, limit: 200 });
  const earliest = q.since.getTime() - CLOCK_SKEW_MS;
  // Oldest first, so two identical pending sends claim the messages in the order they were made.
  for (const m of [...candidates].reverse()) {
    if (m.direction === 'inbound' || m.body !== q.body) continue;
    if (q.messagingServiceSid ? m.messaging_service_sid !== q.messagingServiceSid : m.from !== q.from) continue;
    if (Date.parse(m.date_created) < earliest) continue;
    if (await sidIsClaimed(store, m.sid)) continue;
    return m;
  }
  return undefined;
}
