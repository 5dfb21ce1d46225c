/**
 * Sends one message exactly once under its idempotency key, whatever else shares the store: the key
 * is claimed (owner and lease, see store/claims.ts) with the request before the API call and settled
 * with the SID after it; a settled key answers from the store; a key another live run holds is not
 * sent (wait, or come back later); a key reused for other parameters is refused. Right before the
 * request leaves, the store records that it was requested and fences the key for the request's time
 * limit and a margin (ClaimOwner.startRequest); the request is given up before the fence ends, and
 * only the key's owner settles it. A key whose owner died is sent at once if it was never requested,
 * else reconciled against Twilio's Messages list (reconcile.ts: found, settled; resent only when
 * Twilio still does not list it after a few seconds of looking). 429 and 503 answers are retried with
 * backoff (honouring Retry-After) and give their rate slot back; a lost answer is reconciled the same way.
 */
import { KeyInFlightError, NetworkError, RequestNotMadeError, StoppedBeforeSendError, TwilioApiError, UserError } from '../errors.js';
import type { Logger } from '../log.js';
import { appendEvent } from '../store/events.js';
import { type Claim, type ClaimOwner, claimOwnerFor, fingerprintOf, type RequestFence } from '../store/claims.js';
import { failKey, type KeyRow, settleKey } from '../store/idempotency.js';
import { keyLostAfterSend } from './key-lost.js';
import { recordMessage } from '../store/message-log.js';
import type { Store } from '../store/open-store.js';
import { addOptOut } from '../store/optouts.js';
import { retryDelayMs, sleep as realSleep } from '../twilio/backoff.js';
import { createMessage, type CreateMessageParams, type TwilioMessage } from '../twilio/messages-api.js';
import type { RestClient } from '../twilio/rest-client.js';
import type { MediaHost } from './outbound-media.js';
import type { RateLimiter } from './rate-limiter.js';
import { reconcileRequest } from './reconcile.js';
import { analyzeSegments, type Encoding } from './segments.js';
import { uuidV7 } from '../unique-id.js';

/** One message to create, under its idempotency key. */
export interface OutboundMessage extends CreateMessageParams {
  key: string;
  /** The caller's key when this is one chunk of several (each chunk has a key of its own). @default key */
  requestKey?: string;
  /** Digest of the whole request the key stands for (all chunks alike). @default this message's */
  fingerprint?: string;
  chunk?: number;
  chunks?: number;
  /** What the store keeps of the media: files by content, never their URLs (a URL's token is a secret). @default media */
  mediaRecord?: string[];
}

export interface SendResult {
  sid: string;
  to: string;
  from: string | null;
  status: string;
  segments: number;
  encoding: Encoding;
  idempotencyKey: string;
  deduplicated: boolean;
  /** Sent by another run going on at the same time (its owner id), not by this one. */
  sentByOtherRun?: string;
  chunk?: number;
  chunks?: number;
}

export interface DeliverDeps {
  store: Store;
  client: RestClient;
  limiter: RateLimiter;
  logger: Logger;
  /** This process's claims on idempotency keys. @default one per store */
  claims?: ClaimOwner;
  /** How long to wait for another run holding the same key before giving up with KeyInFlightError. @default 30000 */
  busyWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts after the first for 429, 503 and lost answers. @default 3 */
  maxRetries?: number;
  /** Serves local media files to Twilio (outbound-media.ts); without it, --media takes URLs only. */
  mediaHost?: MediaHost;
  /**
   * A stop (Ctrl-C) while the message still waits for its first rate slot: it is not sent, its fresh
   * claim is withdrawn, and StoppedBeforeSendError is thrown. A request already made completes.
   */
  signal?: AbortSignal;
  /** Fault injection for crash tests: called after the API accepted a message, before it is settled. */
  afterAccepted?: (sid: string) => void;
}

const RETRYABLE_STATUS = new Set([429, 503]);
/**
 * A send's time limit. The key is fenced for this plus FENCE_MARGIN_MS, so a shorter limit than the
 * REST client's 30 s lets another run reconcile a dead owner's key sooner; Twilio answers a create in
 * well under a second.
 */
export const SEND_TIMEOUT_MS = 10_000;


function resultOf(msg: OutboundMessage, m: TwilioMessage, deduplicated: boolean): SendResult {
  const info = analyzeSegments(msg.body);
  return {
    sid: m.sid,
    to: m.to,
    from: m.from,
    status: m.status,
    segments: Number(m.num_segments) || info.segments,
    encoding: info.encoding,
    idempotencyKey: msg.key,
    deduplicated,
    ...(msg.chunks && msg.chunks > 1 ? { chunk: msg.chunk, chunks: msg.chunks } : {}),
  };
}

/** The fields of a request that decide what is sent; a key reused with any of them changed is refused. */
export function messageFingerprint(m: { to: string; from?: string; messagingServiceSid?: string; body: string; media?: string[] }): string {
  return fingerprintOf({ to: m.to, from: m.from, messagingServiceSid: m.messagingServiceSid, body: m.body, media: m.media ?? [] });
}

/** A key that already stands for another request: name it and the original, and send nothing. */
export function keyReusedError(key: string, row: KeyRow): UserError {
  const original = JSON.parse(row.request) as { to?: string };
  const what =
    row.state === 'settled'
      ? `${row.sid ?? 'a message'} to ${original.to}, sent ${row.settled_at}`
      : row.state === 'failed'
        ? `a message to ${original.to} that failed ${row.settled_at}`
        : `a message to ${original.to}, started ${row.created_at} and not settled yet`;
  return new UserError(`Idempotency key "${key}" was already used for a different message (${what}); nothing was sent.`, {
    code: 'idempotency_key_reused',
    hint: 'A key stands for one request: repeat the original to, from, body and media to get its result again, or use a new --idempotency-key for a new message.',
  });
}

/** Claims the key, waiting up to `busyWaitMs` while another live run holds it. */
async function claimOrWait(claims: ClaimOwner, msg: OutboundMessage, request: object, busyWaitMs: number, sleep: (ms: number) => Promise<void>): Promise<Exclude<Claim, { kind: 'busy' }>> {
  const req = { key: msg.key, requestKey: msg.requestKey ?? msg.key, scope: 'sms', request, fingerprint: msg.fingerprint ?? messageFingerprint({ ...msg, media: msg.mediaRecord ?? msg.media }) };
  const deadline = Date.now() + busyWaitMs;
  for (;;) {
    const claim = await claims.claim(req);
    if (claim.kind !== 'busy') return claim;
    if (Date.now() + claim.retryInMs > deadline) throw new KeyInFlightError(msg.key, claim.owner, claim.retryInMs);
    await sleep(claim.retryInMs);
  }
}

export async function deliverMessage(msg: OutboundMessage, deps: DeliverDeps): Promise<SendResult> {
  const { store, client, logger } = deps;
  const claims = deps.claims ?? claimOwnerFor(store);
  const sleep = deps.sleep ?? realSleep;
  const correlationId = uuidV7();
  const request = { to: msg.to, from: msg.from, messagingServiceSid: msg.messagingServiceSid, body: msg.body, media: msg.mediaRecord ?? msg.media };
  const log = (outcome: string, extra: Record<string, unknown> = {}) => {
    logger.event('twilio.sms.send', { correlationId, key: msg.key, to: msg.to, outcome, ...extra });
    return appendEvent(store, 'twilio.sms.send', correlationId, { key: msg.key, to: msg.to, outcome, ...extra });
  };

  const claim = await claimOrWait(claims, msg, request, deps.busyWaitMs ?? 30_000, sleep);
  if (claim.kind === 'conflict') throw keyReusedError(msg.key, claim.row);
  if (claim.kind === 'settled') {
    const earlier = JSON.parse(claim.row.result!) as SendResult;
    const byOther = claim.row.owner && claim.row.owner !== claims.id && claim.row.settled_at! >= claims.startedAt ? claim.row.owner : undefined;
    await log(byOther ? 'sent-by-other-run' : 'deduplicated', { sid: earlier.sid, ...(byOther ? { owner: byOther } : {}) });
    return { ...earlier, deduplicated: true, ...(byOther ? { sentByOtherRun: byOther } : {}) };
  }
  let finished = false;
  const settle = async (m: TwilioMessage, deduplicated: boolean, outcome: string) => {
    const result = resultOf(msg, m, false);
    const settled = await settleKey(store, msg.key, claims.id, m.sid, result);
    finished = true;
    await recordMessage(store, { sid: m.sid, account_sid: null, direction: 'outbound-api', from_number: m.from ?? '', to_number: m.to, body: msg.body, status: m.status, num_segments: result.segments, error_code: null });
    if (!settled) await keyLostAfterSend(store, msg.key, m, log);
    await log(outcome, { sid: m.sid });
    return { ...result, deduplicated };
  };
  const fail = async (err: TwilioApiError) => {
    // Not written when another run took the key over meanwhile: that run's outcome stands.
    await failKey(store, msg.key, claims.id, { code: err.twilioCode, status: err.status, message: err.message });
    finished = true;
  };
  try {
    const earlier = claim.takenOver ? claim.earlierRequest : undefined;
    // Its earlier owner stopped after recording its request: what did it send? (Never requested: nothing to look for.)
    if (earlier) {
      const found = await reconcileRequest(client, store, { ...request, requestedAt: earlier.at, requestAgeMs: earlier.dbNow - earlier.at }, sleep);
      if (found) return await settle(found, true, 'reconciled');
    }
    return await sendWithRetries(msg, deps, claims, { request, settle, fail, log, sleep });
  } catch (err) {
    // Stopped before anything was asked of Twilio: a fresh claim goes away (the rerun sends it with
    // nothing to reconcile); a taken-over one is released below, so the rerun reconciles it again.
    if ((err instanceof StoppedBeforeSendError || err instanceof RequestNotMadeError) && !claim.takenOver) {
      finished = true;
      await claims.withdraw(msg.key);
    }
    throw err;
  } finally {
    // Settled or failed for good: nothing to hold. Otherwise the outcome is unknown: let the next
    // claimant reconcile it now rather than after the lease runs out.
    if (finished) claims.done(msg.key);
    else await claims.abandon(msg.key);
  }
}

interface AttemptHelpers {
  request: { to: string; from?: string; messagingServiceSid?: string; body: string };
  settle(m: TwilioMessage, deduplicated: boolean, outcome: string): Promise<SendResult>;
  fail(err: TwilioApiError): Promise<void>;
  log(outcome: string, extra?: Record<string, unknown>): Promise<void>;
  sleep(ms: number): Promise<void>;
}

async function sendWithRetries(msg: OutboundMessage, deps: DeliverDeps, claims: ClaimOwner, h: AttemptHelpers): Promise<SendResult> {
  const { client } = deps;
  const maxRetries = deps.maxRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    // Only the first attempt can be stopped: a retry follows a request already made, which completes.
    const stop = attempt === 0 ? deps.signal : undefined;
    const slot = await stoppable(stop, msg.key, () => deps.limiter.take(stop));
    // The irreversible step comes: the store records the request and fences the key (the statement that
    // renewed its lease here). If the key was lost (this process stalled past its lease and another run
    // took it over), sending now could send twice. The request is given up before the fence ends.
    let fence = await claims.startRequest(msg.key, SEND_TIMEOUT_MS);
    if (!fence) {
      await slot.refund();
      throw new KeyInFlightError(msg.key, 'another run that took it over', 250);
    }
    const requestedAt = fence.requestedAt;
    await stoppable(stop, msg.key, () => slot.admit(stop)).catch(async (err: unknown) => {
      if (attempt === 0) await claims.requestNotMade(msg.key, requestedAt);
      throw err;
    });
    // Once the request has its API slot: waits after the fence (the account's gate) used its time; with
    // less than half left, the fence is renewed, so the request always has its full limit inside it.
    const beforeSend = async () => {
      if (fence && fence.timeLeftMs() < SEND_TIMEOUT_MS / 2) fence = await claims.startRequest(msg.key, SEND_TIMEOUT_MS);
      if (!fence) throw new KeyInFlightError(msg.key, 'another run that took it over', 250);
      return fence.deadline;
    };
    try {
      // The first attempt can still be stopped while it waits for an API request slot (store/api-gate.ts).
      const m = await createMessage(client, msg, { maxRetries: 0, beforeSend, signal: attempt === 0 ? deps.signal : undefined });
      deps.afterAccepted?.(m.sid);
      return await h.settle(m, false, 'sent');
    } catch (err) {
      if (err instanceof KeyInFlightError || err instanceof RequestNotMadeError) {
        // No request left (the key was lost, a stop, no API slot in time): the rate slot was not used either.
        // After an earlier attempt whose answer was lost, the key stays pending so the rerun reconciles it.
        await slot.refund();
        if (err instanceof KeyInFlightError) throw err;
        if (attempt > 0) throw new NetworkError(err.message, err.hint, msg.requestKey);
        await claims.requestNotMade(msg.key, requestedAt);
        throw err.stopped ? new StoppedBeforeSendError(msg.key) : err;
      }
      const retryable = err instanceof TwilioApiError && RETRYABLE_STATUS.has(err.status);
      if (err instanceof NetworkError && !err.notSent) {
        // No answer: the request may have taken effect. Look (again, while Twilio's list may lag) before resending.
        const found = await lookForLostAnswer(msg, deps, err, requestedAt, h);
        if (found) return h.settle(found, false, 'sent-reconciled');
      } else if (retryable || err instanceof NetworkError) {
        // Nothing was created (429/503, or no connection), nor by any earlier attempt (a lost answer comes
        // here only once Twilio's list shows it was not): the key counts as never requested again.
        await claims.requestNotMade(msg.key, requestedAt);
      }
      if (retryable && attempt < maxRetries) {
        await slot.refund();
        await h.log('retry', { status: err.status, code: err.twilioCode, attempt: attempt + 1 });
        await h.sleep(retryDelayMs(attempt, err.retryAfterMs));
        continue;
      }
      if (err instanceof NetworkError) {
        if (attempt < maxRetries) {
          await h.log('retry', { error: err.message, attempt: attempt + 1 });
          await h.sleep(retryDelayMs(attempt));
          continue;
        }
        await h.log('unknown', { error: err.message });
        throw new NetworkError(err.message, err.hint, msg.requestKey);
      }
      if (err instanceof TwilioApiError) {
        await h.fail(err);
        if (err.twilioCode === 21610) await addOptOut(deps.store, msg.to, 'twilio-21610');
        await h.log('failed', { code: err.twilioCode, status: err.status });
      }
      throw err;
    }
  }
}

/** A lost answer's message in Twilio's list; if even the look fails, resending could send twice: the key stays pending for the next run. */
async function lookForLostAnswer(msg: OutboundMessage, deps: DeliverDeps, err: NetworkError, requestedAt: number, h: AttemptHelpers): Promise<TwilioMessage | undefined> {
  try {
    return await reconcileRequest(deps.client, deps.store, { ...h.request, requestedAt, requestAgeMs: 0 }, h.sleep);
  } catch (lookupError) {
    await h.log('unknown', { error: err.message, lookupError: (lookupError as Error).message });
    const rerun = 'run the same command again: it checks Twilio first and sends only if nothing went out.';
    throw new NetworkError(`${err.message}; whether the message went out could not be checked, so it was not resent`, err.hint ? `${err.hint} Then ${rerun}` : rerun[0].toUpperCase() + rerun.slice(1), msg.requestKey);
  }
}

/** Waits for the sender's rate (its slot, then its window); a stop during the wait means this message is not sent. */
async function stoppable<T>(signal: AbortSignal | undefined, key: string, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    if (signal?.aborted) throw new StoppedBeforeSendError(key);
    throw err;
  }
}
