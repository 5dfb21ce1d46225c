/**
 * Sends one message exactly once under its idempotency key, whatever else shares the store: the key
 * is claimed (owner and lease, see store/claims.ts) with the request before the API call and settled
 * with the SID after it; a settled key answers from the store; a key another live run holds is not
 * sent (wait, or come back later); a key reused for other parameters is refused. Right before the
 * request leaves, the store records that it was requested and fences the key for the request's time
 * limit and a margin (ClaimOwner.startRequest); the request is given up before the fence ends, and
 * only the key's owner settles it. A key whose owner died is sent at once if it was never requested,
 * else reconciled against Twilio's Messages list (reconcile.ts: found, settled; resent only when
 * Twilio still does not list it after a few seconds of looking). A SID settles one key only: when an
 * identical text's key took it first, this key looks again without it. The attempts themselves
 * (retries of 429s and Twilio's 503s, refusals) are send-attempts.ts; an answer that was lost (or a
 * gateway's 5xx) is looked for in Twilio's list for a while after the loss (lost-answer.ts) before
 * anything is resent.
 */
import { AnswerLostError, KeyInFlightError, NetworkError, RequestNotMadeError, StoppedBeforeSendError, type TwilioApiError, UserError } from '../errors.js';
import type { Logger } from '../log.js';
import { appendEvent } from '../store/events.js';
import { type Claim, type ClaimOwner, claimOwnerFor, type EarlierRequest, fingerprintOf } from '../store/claims.js';
import { failKey, type KeyRow } from '../store/idempotency.js';
import { keyLostAfterSend } from './key-lost.js';
import { recordMessage } from '../store/message-log.js';
import type { Store } from '../store/open-store.js';
import { sleep as realSleep } from '../twilio/backoff.js';
import type { CreateMessageParams, TwilioMessage } from '../twilio/messages-api.js';
import type { RestClient } from '../twilio/rest-client.js';
import { type LostAnswer, lookForLostAnswer, lostAnswer, lostByEarlierOwner, takePutBack } from './lost-answer.js';
import type { MediaHost } from './outbound-media.js';
import type { RateLimiter } from './rate-limiter.js';
import { reconcileRequest } from './reconcile.js';
import { analyzeSegments, type Encoding } from './segments.js';
import { type AttemptContext, SEND_TIMEOUT_MS, sendAttempts } from './send-attempts.js';
import { settleSent } from './settle-sent.js';
import { answerFromSettled } from './settled-answer.js';
import { uuidV7 } from '../unique-id.js';

export { SEND_TIMEOUT_MS } from './send-attempts.js';

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
  /** Answered from the store because the key's text went out split another way before (chunk-layout.ts). */
  layoutChanged?: { earlierParts: number; partsThisRun: number };
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
  /**
   * While a lost answer's message is looked for in Twilio's list, throw AnswerLostError (come back
   * later; the key stays held) instead of waiting: a batch sends its other rows meanwhile.
   */
  putBackLostAnswers?: boolean;
  /** Serves local media files to Twilio (outbound-media.ts); without it, --media takes URLs only. */
  mediaHost?: MediaHost;
  /**
   * A stop (Ctrl-C) while the message still waits for its first rate slot: it is not sent, its fresh
   * claim is withdrawn, and StoppedBeforeSendError is thrown. A request already made completes.
   */
  signal?: AbortSignal;
  /** Asked once the message has its rate slot, before each request: an error to throw instead of sending (serve: a STOP meanwhile). */
  refuseBeforeRequest?: () => Promise<Error | undefined>;
  /** Fault injection for crash tests: called after the API accepted a message, before it is settled. */
  afterAccepted?: (sid: string) => void;
}

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
export function keyReusedError(key: string, row: Pick<KeyRow, 'request' | 'state' | 'sid' | 'settled_at' | 'created_at'>): UserError {
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

/** Where a claimed key starts: a dead owner's request to reconcile first, or this owner's lost answer it put back. */
interface Start {
  earlier?: EarlierRequest;
  lost?: LostAnswer;
}

export async function deliverMessage(msg: OutboundMessage, deps: DeliverDeps): Promise<SendResult> {
  const { store, logger } = deps;
  const claims = deps.claims ?? claimOwnerFor(store);
  const sleep = deps.sleep ?? realSleep;
  const correlationId = uuidV7();
  const request = { to: msg.to, from: msg.from, messagingServiceSid: msg.messagingServiceSid, body: msg.body, media: msg.mediaRecord ?? msg.media };
  const log = (outcome: string, extra: Record<string, unknown> = {}) => {
    logger.event('twilio.sms.send', { correlationId, key: msg.key, to: msg.to, outcome, ...extra });
    return appendEvent(store, 'twilio.sms.send', correlationId, { key: msg.key, to: msg.to, outcome, ...extra });
  };

  // A row a batch put back while its lost answer is looked for: this owner still holds the key.
  const putBack = takePutBack(claims, msg.key);
  let start: Start;
  if (putBack && (await claims.confirm(msg.key))) start = { lost: putBack };
  else {
    const claim = await claimOrWait(claims, msg, request, deps.busyWaitMs ?? 30_000, sleep);
    if (claim.kind === 'conflict') throw keyReusedError(msg.key, claim.row);
    if (claim.kind === 'settled') {
      const answer = answerFromSettled(claim.row, claims);
      await log(answer.outcome, answer.fields);
      return answer.result;
    }
    // Its earlier owner stopped after recording its request: what did it send? (Never requested: nothing to look for.)
    start = claim.takenOver ? startFromEarlier(claim.earlierRequest) : {};
  }
  const fresh = !start.lost && !start.earlier;
  let finished = false;
  let keep = false;
  const fail = async (err: TwilioApiError, forgetRequest: boolean) => {
    // Not written when another run took the key over meanwhile: that run's outcome stands.
    await failKey(store, msg.key, claims.id, { code: err.twilioCode, status: err.status, message: err.message }, forgetRequest);
    finished = true;
  };
  try {
    const settled = await deliverClaimed({ msg, deps, claims, fail, log, sleep }, request, start);
    finished = true;
    return settled;
  } catch (err) {
    // Looked for again later (a batch's other rows go first): this owner keeps the key meanwhile.
    if (err instanceof AnswerLostError) keep = true;
    // Stopped before anything was asked of Twilio: a fresh claim goes away (the rerun sends it with
    // nothing to reconcile); a taken-over one is released below, so the rerun reconciles it again.
    if ((err instanceof StoppedBeforeSendError || err instanceof RequestNotMadeError) && fresh) {
      finished = true;
      await claims.withdraw(msg.key);
    }
    throw err;
  } finally {
    // Settled or failed for good: nothing to hold. Otherwise the outcome is unknown: let the next
    // claimant reconcile it now rather than after the lease runs out.
    if (finished) claims.done(msg.key);
    else if (!keep) await claims.abandon(msg.key);
  }
}

/** From the claim to the settle: reconcile, send, look for a lost answer, and look again when an identical text's key took the SID. */
async function deliverClaimed(ctx: AttemptContext, request: DeliveryRequest, start: Start): Promise<SendResult> {
  const { msg, deps } = ctx;
  let { earlier, lost } = start;
  for (;;) {
    let found: TwilioMessage | undefined;
    let outcome = 'reconciled';
    let requestedAt = earlier?.at ?? lost?.requestedAt ?? 0;
    if (lost) {
      outcome = lost.byEarlierOwner ? 'reconciled' : 'sent-reconciled';
      const lookup = { ...request, key: msg.key, requestKey: msg.requestKey, requestedAt };
      found = await lookForLostAnswer(deps.client, deps.store, lookup, lost, { sleep: ctx.sleep, claims: ctx.claims, putBackOnWait: deps.putBackLostAnswers === true });
      if (!found && lost.attempt >= (deps.maxRetries ?? 3)) {
        await ctx.log('unknown', { error: lost.err.message });
        const rerun = 'Run the same command again later: it checks Twilio first and sends only if nothing went out.';
        throw new NetworkError(`${lost.err.message}; the message was not found in Twilio's list either, and it was not sent again`, rerun, msg.requestKey);
      }
      if (!found) await ctx.log('retry', { error: lost.err.message, attempt: lost.attempt + 1 });
    } else if (earlier) {
      found = await reconcileRequest(deps.client, deps.store, { ...request, requestedAt, requestAgeMs: earlier.dbNow - (earlier.lastAt ?? earlier.at) }, ctx.sleep);
    }
    if (!found) {
      const sent = await sendAttempts(ctx, lost ? lost.attempt + 1 : 0, lost !== undefined);
      if (sent.kind === 'unknown') {
        // No answer, or one that does not say whether Twilio made it: look before anything is resent
        // (and say so in the store, so a run that takes the key over if this one stops looks as long).
        lost = lostAnswer(sent.err, sent.requestedAt, sent.attempt);
        await ctx.claims.answerLost(msg.key);
        earlier = undefined;
        continue;
      }
      [found, outcome, requestedAt] = [sent.message, 'sent', sent.requestedAt];
    }
    const result = await settle(ctx, found, outcome);
    if (result) return result;
    // Another key (an identical text, reconciled by another run) was settled with this SID first: the
    // message is that key's. Look for this key's own message without it, and send if there is none.
    await ctx.log('sid-taken', { sid: found.sid });
    [earlier, lost] = [{ at: requestedAt, dbNow: requestedAt }, undefined];
  }
}

/**
 * Where a key taken over from an earlier owner starts. A request whose answer that owner lost is
 * watched on from the loss; one it would have given up on by now (in flight past the send's time
 * limit: an owner frozen past its fence, a lease run out on another machine) counts as an answer lost
 * at that limit, as it would have been; a young one (a run killed mid-request on this machine, taken
 * over at once) is reconciled: the list is looked at for a few seconds from the request's start.
 */
function startFromEarlier(earlier: EarlierRequest | undefined): Start {
  if (!earlier) return {};
  const last = earlier.lastAt ?? earlier.at;
  // Written "in the future": the store's clock was set back since, so the request's age is unknown; it is watched for as an answer lost now.
  if (last > earlier.dbNow) return { lost: lostByEarlierOwner(earlier, earlier.dbNow) };
  if (earlier.answerLostAt !== undefined && earlier.answerLostAt >= last) return { lost: lostByEarlierOwner(earlier, earlier.answerLostAt) };
  if (earlier.dbNow - last >= SEND_TIMEOUT_MS) return { lost: lostByEarlierOwner(earlier, last + SEND_TIMEOUT_MS) };
  return { earlier };
}

type DeliveryRequest = { to: string; from?: string; messagingServiceSid?: string; body: string };

/** Settles the key with the message; undefined when another key holds its SID already. */
async function settle(ctx: AttemptContext, m: TwilioMessage, outcome: string): Promise<SendResult | undefined> {
  const { msg, deps } = ctx;
  const result = resultOf(msg, m, false);
  const settled = await settleSent({ store: deps.store, key: msg.key, owner: ctx.claims.id, sid: m.sid, result, sleep: ctx.sleep, logger: deps.logger });
  if (settled === 'sid-taken') return undefined;
  await recordMessage(deps.store, { sid: m.sid, account_sid: null, direction: 'outbound-api', from_number: m.from ?? '', to_number: m.to, body: msg.body, status: m.status, num_segments: result.segments, error_code: null });
  if (settled === 'lost') await keyLostAfterSend(deps.store, msg.key, m, ctx.log);
  await ctx.log(outcome, { sid: m.sid });
  return { ...result, deduplicated: outcome === 'reconciled' };
}
