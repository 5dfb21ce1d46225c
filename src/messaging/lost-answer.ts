/**
 * A create whose answer was lost (a timeout, a connection reset after the request was written, a
 * gateway's 502/504) may have made the message, and Twilio's list can show it seconds late: a request
 * Twilio was slow on (the very reason the answer was lost) is made after we gave up on it, and then
 * listed after the list's own lag. So the list is watched for LOST_ANSWER_LOOK_MS from the moment the
 * answer was lost, not from the request's start, before the message is believed not made and sent
 * again. A batch does not wait here: the row is put back (AnswerLostError) and looked at again later,
 * while this process keeps holding its key (its heartbeat renews it, so no other run takes it over).
 */
import { AnswerLostError, NetworkError, type TwilioApiError } from '../errors.js';
import { monotonicMs } from '../monotonic-ms.js';
import type { ClaimOwner, EarlierRequest } from '../store/claims.js';
import type { Store } from '../store/open-store.js';
import type { TwilioMessage } from '../twilio/messages-api.js';
import type { RestClient } from '../twilio/rest-client.js';
import { findSentMessage, type SentLookup } from './reconcile.js';

/**
 * How long after a lost answer the list is watched. Twilio documents no bound on its list's lag; the
 * 20 s cover a create Twilio finished a few seconds after our 10 s limit plus a list lag of ~10 s, far
 * more than the sub-second lag usually seen, while a lost answer that Twilio never acted on (a reset
 * before the request was read) costs one row 20 s, during which a batch sends the others.
 */
export const LOST_ANSWER_LOOK_MS = 20_000;
/** Pauses between looks: soon at first (the usual lag is short), then every 4 s. */
const LOOK_PAUSES_MS = [1000, 2000, 4000] as const;

export interface LostAnswer {
  err: TwilioApiError | NetworkError;
  /** The key's first request (epoch ms, database clock): a match must be created after it. */
  requestedAt: number;
  /** The attempt whose answer was lost (0 = the first). */
  attempt: number;
  /** When the answer was lost (monotonicMs). */
  lostAt: number;
  /** Pauses asked for so far: a test's sleep may not wait, so the window counts these as well as the clock. */
  waitedMs: number;
  looks: number;
  /** Lost by the key's earlier owner, not by this run: a message found is that run's, not this one's. */
  byEarlierOwner?: true;
}

/** Lost answers a batch put back, by owner and key, to be looked at again when the row comes back. */
const putBack = new WeakMap<ClaimOwner, Map<string, LostAnswer>>();

export function lostAnswer(err: TwilioApiError | NetworkError, requestedAt: number, attempt: number): LostAnswer {
  return { err, requestedAt, attempt, lostAt: monotonicMs(), waitedMs: 0, looks: 0 };
}

/**
 * An answer the key's earlier owner lost, or would have lost, before it stopped (a Ctrl-C or a crash
 * during its watch, a freeze past its fence): watched on from the moment of the loss (`lostAtDb`, the
 * database's clock, turned into this process's), not from the request's start, which for a request
 * Twilio was slow on is long enough ago to resend at once.
 */
export function lostByEarlierOwner(earlier: EarlierRequest, lostAtDb: number): LostAnswer {
  const err = new NetworkError("an earlier run made this message's request and stopped before it knew whether Twilio made it");
  const sinceLoss = Math.max(0, earlier.dbNow - lostAtDb);
  return { err, requestedAt: earlier.at, attempt: 0, lostAt: monotonicMs() - sinceLoss, waitedMs: 0, looks: 0, byEarlierOwner: true };
}

/** The lost answer this owner put back for `key`, if any (taken: the caller goes on with it). */
export function takePutBack(claims: ClaimOwner, key: string): LostAnswer | undefined {
  const lost = putBack.get(claims)?.get(key);
  putBack.get(claims)?.delete(key);
  return lost;
}

/**
 * Looks for the message in Twilio's list until the window after the loss is over: the message, or
 * undefined when it never showed. With `putBackOnWait`, a wait is not slept: AnswerLostError says when
 * to come back. When the list cannot be read, nothing may be resent: the key stays pending (NetworkError).
 */
export async function lookForLostAnswer(
  client: RestClient,
  store: Store,
  q: SentLookup & { key: string; requestKey?: string },
  lost: LostAnswer,
  opts: { sleep(ms: number): Promise<void>; claims: ClaimOwner; putBackOnWait: boolean },
): Promise<TwilioMessage | undefined> {
  for (;;) {
    const found = await findSentMessage(client, store, q).catch((lookupError: Error) => {
      throw cannotCheck(lost.err, lookupError, q.requestKey ?? q.key);
    });
    if (found) return found;
    const left = LOST_ANSWER_LOOK_MS - Math.max(monotonicMs() - lost.lostAt, lost.waitedMs);
    if (left <= 0) return undefined;
    const pause = Math.min(left, LOOK_PAUSES_MS[Math.min(lost.looks, LOOK_PAUSES_MS.length - 1)]);
    lost.looks++;
    lost.waitedMs += pause;
    if (opts.putBackOnWait) {
      if (!putBack.has(opts.claims)) putBack.set(opts.claims, new Map());
      putBack.get(opts.claims)!.set(q.key, lost);
      throw new AnswerLostError(q.key, pause);
    }
    await opts.sleep(pause);
  }
}

function cannotCheck(err: Error & { hint?: string }, lookupError: Error, pendingKey: string): NetworkError {
  const rerun = 'run the same command again: it checks Twilio first and sends only if nothing went out.';
  const message = `${err.message}; whether the message went out could not be checked (${lookupError.message}), so it was not resent`;
  return new NetworkError(message, err.hint ? `${err.hint} Then ${rerun}` : rerun[0].toUpperCase() + rerun.slice(1), pendingKey);
}
