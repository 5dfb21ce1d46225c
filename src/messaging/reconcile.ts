/**
 * Twilio has no idempotency key for Messages, so a key whose request was made but never settled (the
 * process stopped between the request and the settle, or the answer was lost) is matched against the
 * Messages list before anything is sent again: same To, same sender, same body, created after the
 * key's first request (the store's clock, less a margin for Twilio's), and not already settled under
 * another key. The list is read newest first without a DateSent filter (a queued message has no sent
 * date yet), back to that time. Twilio's list can lag behind its create answers, so "not listed" is
 * believed only after looking again, over a few seconds: a message that was never sent (its run died
 * between recording the request and making it) is then sent; one the list lags on for longer than
 * that would be sent twice, which is the price of not leaving such keys unsent.
 */
import { monotonicMs } from '../monotonic-ms.js';
import { sidIsClaimed } from '../store/idempotency.js';
import type { Store } from '../store/open-store.js';
import { listMessages, type TwilioMessage } from '../twilio/messages-api.js';
import type { RestClient } from '../twilio/rest-client.js';

export interface SentLookup {
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  /** When the key's first request was made (epoch ms, the store's clock). */
  requestedAt: number;
}

/**
 * Twilio's clock against the store's (and Twilio's whole-second dates): how long before our request a
 * match may seem to have been created. Wider would match more of someone else's identical texts.
 */
export const CLOCK_MARGIN_MS = 60_000;
/** How many messages to the recipient one look reads at most (Twilio's largest page). */
const MAX_SCANNED = 1000;
/**
 * Twilio's list can lag behind its create answers, so one empty look proves nothing: a missing
 * message is looked for again after these pauses, and until its request is LIST_SETTLE_MS old.
 */
export const RECHECK_AFTER_MS = [1000, 2000] as const;
export const LIST_SETTLE_MS = 5000;

export async function findSentMessage(client: RestClient, store: Store, q: SentLookup): Promise<TwilioMessage | undefined> {
  const earliest = q.requestedAt - CLOCK_MARGIN_MS;
  const candidates = await listMessages(client, { to: q.to, from: q.messagingServiceSid ? undefined : q.from, limit: MAX_SCANNED, createdBackTo: earliest });
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

/**
 * The message of a request that may have reached Twilio, or undefined when Twilio still does not list
 * it after the re-checks: then it never went out (a run that died between recording the request and
 * making it) and may be sent. `requestAgeMs`: how old the request was when the key was read (store clock).
 */
export async function reconcileRequest(client: RestClient, store: Store, q: SentLookup & { requestAgeMs: number }, sleep: (ms: number) => Promise<void>): Promise<TwilioMessage | undefined> {
  const started = monotonicMs();
  let slept = 0;
  for (let check = 0; ; check++) {
    const message = await findSentMessage(client, store, q);
    if (message) return message;
    // A test's sleep may not wait: count what was asked for as well as what passed.
    const age = Math.max(0, q.requestAgeMs) + Math.max(slept, monotonicMs() - started);
    if (check >= RECHECK_AFTER_MS.length && age >= LIST_SETTLE_MS) return undefined;
    const pause = check < RECHECK_AFTER_MS.length ? RECHECK_AFTER_MS[check] : Math.max(100, LIST_SETTLE_MS - age);
    await sleep(pause);
    slept += pause;
  }
}
