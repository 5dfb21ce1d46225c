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
import { withDbNow } from '../store/statement.js';
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
const STORE_NOW = withDbNow('SELECT {now} AS now_ms');
/** The store's clock now (epoch ms): the clock every request time is written in. */
async function storeNowMs(store: Store): Promise<number> {
  const row = await store.readOne<{ now_ms: number | string }>(STORE_NOW, []);
  return Number(row!.now_ms);
}

/** How many messages to the recipient one look reads at most (Twilio's largest page). */
const MAX_SCANNED = 1000;
/**
 * Twilio's list can lag behind its create answers, so one empty look proves nothing: a missing
 * message is looked for again after these pauses, and until its request is LIST_SETTLE_MS old.
 */
export const RECHECK_AFTER_MS = [1000, 2000] as const;
export const LIST_SETTLE_MS = 5000;

/**
 * The earliest creation time (Twilio's clock) a message of the request may show. `requestedAt` is the
 * store's clock, which may be minutes off Twilio's (a desktop that syncs weekly, a database host without
 * NTP): where both clocks are known against this machine's (the store's now, read here; Twilio's from
 * its answers' Date header), the request's time is moved onto Twilio's clock, and the wider bound wins,
 * so a clock ahead of Twilio's cannot hide the message (a clock behind only widens the window).
 */
function earliestCreation(q: SentLookup, dbMinusLocalMs: number, client: RestClient): number {
  const requestedAt = requestTimeOnTodaysClock(q.requestedAt, Date.now() + dbMinusLocalMs);
  const plain = requestedAt - CLOCK_MARGIN_MS;
  const twilioMinusLocalMs = client.serverClockOffsetMs();
  if (twilioMinusLocalMs === undefined) return plain;
  // The Date header has whole seconds: a second more of margin.
  return Math.min(plain, requestedAt - dbMinusLocalMs + twilioMinusLocalMs - CLOCK_MARGIN_MS - 1000);
}

/**
 * How far back a request time recorded "in the future" is looked for: the store's clock was set back
 * between the request and the look (a fast desktop clock corrected after the crash, NTP stepping a
 * resumed VM or the database host; review S3 of session 9), so how old the request really is cannot
 * be known. Wide, for that rare case only: a message of ours is settled under its key (and skipped
 * here), so a wider window risks only someone else's identical text to the same number.
 */
export const STEPPED_BACK_LOOKBACK_MS = 15 * 60_000;

/** The request's time as the store's clock reads now: a time after its now was written before a step back. */
export function requestTimeOnTodaysClock(requestedAt: number, storeNowMs: number): number {
  return requestedAt > storeNowMs ? storeNowMs - STEPPED_BACK_LOOKBACK_MS : requestedAt;
}

export async function findSentMessage(client: RestClient, store: Store, q: SentLookup): Promise<TwilioMessage | undefined> {
  const dbMinusLocalMs = (await storeNowMs(store)) - Date.now();
  // Read after each page of the list: its answer's Date header is the freshest reading of Twilio's clock.
  const earliest = () => earliestCreation(q, dbMinusLocalMs, client);
  const candidates = await listMessages(client, { to: q.to, from: q.messagingServiceSid ? undefined : q.from, limit: MAX_SCANNED, createdBackTo: earliest });
  const bound = earliest();
  // Oldest first, so two identical pending sends claim the messages in the order they were made.
  for (const m of [...candidates].reverse()) {
    if (m.direction === 'inbound' || m.body !== q.body) continue;
    if (q.messagingServiceSid ? m.messaging_service_sid !== q.messagingServiceSid : m.from !== q.from) continue;
    if (Date.parse(m.date_created) < bound) continue;
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
