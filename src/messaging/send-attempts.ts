/**
 * The attempts to create one message under a claimed key (deliver.ts settles or looks for what they
 * return): each waits for the sender's rate, records and fences the request (ClaimOwner.startRequest),
 * and makes it; what a failed attempt means is decided by classifyAttemptError, and this loop only
 * applies the policy: give up, retry after a pause, or hand back an answer that was lost.
 */
import { KeyInFlightError, NetworkError, RequestNotMadeError, StoppedBeforeSendError, TwilioApiError } from '../errors.js';
import type { ClaimOwner } from '../store/claims.js';
import { addOptOut } from '../store/optouts.js';
import { retryDelayMs } from '../twilio/backoff.js';
import { createMessage, type TwilioMessage } from '../twilio/messages-api.js';
import { classifyAttemptError } from './attempt-error.js';
import type { DeliverDeps, OutboundMessage } from './deliver.js';
import type { TakenSlot } from './rate-limiter.js';

/**
 * A send's time limit. The key is fenced for this plus FENCE_MARGIN_MS, so a shorter limit than the
 * REST client's 30 s lets another run reconcile a dead owner's key sooner; Twilio answers a create in
 * well under a second.
 */
export const SEND_TIMEOUT_MS = 10_000;

export type AttemptsOutcome =
  | { kind: 'created'; message: TwilioMessage; requestedAt: number }
  /** The answer to `attempt` was lost: the message may exist (look in Twilio's list before anything else). */
  | { kind: 'unknown'; err: TwilioApiError | NetworkError; requestedAt: number; attempt: number };

export interface AttemptContext {
  msg: OutboundMessage;
  deps: DeliverDeps;
  claims: ClaimOwner;
  /** Marks the key failed; `forgetRequest` when nothing can have been created under it. */
  fail(err: TwilioApiError, forgetRequest: boolean): Promise<void>;
  log(outcome: string, extra?: Record<string, unknown>): Promise<void>;
  sleep(ms: number): Promise<void>;
}

/** Attempts from `first` on; `unknownEarlier`: an earlier attempt's answer was lost (its message was looked for and not found). */
export async function sendAttempts(ctx: AttemptContext, first: number, unknownEarlier: boolean): Promise<AttemptsOutcome> {
  const { msg, deps, claims } = ctx;
  const maxRetries = deps.maxRetries ?? 3;
  for (let attempt = first; ; attempt++) {
    // Only the first attempt can be stopped: a retry follows a request already made, which completes.
    const stop = attempt === 0 ? deps.signal : undefined;
    const slot = await stoppable(stop, msg.key, () => deps.limiter.take(stop));
    // The wait for the slot can be long (a slow sender's rate): what the caller knows now may say not to send.
    const refusal = await deps.refuseBeforeRequest?.();
    if (refusal) {
      await slot.refund();
      throw refusal;
    }
    // The irreversible step comes: the store records the request and fences the key (the statement that
    // renewed its lease here). If the key was lost (this process stalled past its lease and another run
    // took it over), sending now could send twice. The request is given up before the fence ends.
    let fence = await claims.startRequest(msg.key, SEND_TIMEOUT_MS);
    if (!fence) {
      await slot.refund();
      throw new KeyInFlightError(msg.key, 'another run that took it over', 250);
    }
    const requestedAt = fence.requestedAt;
    // Right before the request leaves, once it has its API slot (the account's gate, a store write that
    // may wait for another process): the sender's one-second window admits it, so nothing that takes
    // time comes between the admission (the store's clock) and the request reaching Twilio. Then, if
    // the waits used half the fence's time, the fence is renewed: the request has its full limit in it.
    const beforeSend = async () => {
      await admitNow(slot, stop);
      if (fence && fence.timeLeftMs() < SEND_TIMEOUT_MS / 2) fence = await claims.startRequest(msg.key, SEND_TIMEOUT_MS);
      if (!fence) throw new KeyInFlightError(msg.key, 'another run that took it over', 250);
      return fence.deadline;
    };
    let verdict;
    try {
      // The first attempt can still be stopped while it waits for an API request slot (store/api-gate.ts) or its window.
      // Answered or not, the request is over: the sender's window counts it from now (rate-limiter.ts).
      const message = await createMessage(deps.client, msg, { maxRetries: 0, beforeSend, signal: stop }).finally(() => slot.answered());
      deps.afterAccepted?.(message.sid);
      return { kind: 'created', message, requestedAt };
    } catch (err) {
      verdict = classifyAttemptError(err);
      if (!verdict) throw err;
    }
    const err = verdict.err;
    switch (verdict.kind) {
      case 'unknown':
        return { kind: 'unknown', err: verdict.err, requestedAt, attempt };
      case 'not-made':
        // No request left: the rate slot was not used either. After an earlier attempt that was made,
        // the key stays pending so the rerun reconciles it.
        await slot.refund();
        if (verdict.err instanceof KeyInFlightError) throw verdict.err;
        if (attempt > 0) throw new NetworkError(err.message, verdict.err.hint, msg.requestKey);
        await claims.requestNotMade(msg.key, requestedAt);
        throw (verdict.err as RequestNotMadeError).stopped ? new StoppedBeforeSendError(msg.key) : verdict.err;
      case 'refused':
        await ctx.fail(verdict.err, verdict.byTwilio && !unknownEarlier);
        if (verdict.err.twilioCode === 21610) await addOptOut(deps.store, msg.to, 'twilio-21610');
        await ctx.log('failed', { code: verdict.err.twilioCode, status: verdict.err.status });
        throw verdict.err;
      case 'not-created': {
        // Nothing was created by this attempt, nor by any earlier one unless its answer was lost.
        if (!unknownEarlier) await claims.requestNotMade(msg.key, requestedAt);
        const api = verdict.err instanceof TwilioApiError ? verdict.err : undefined;
        if (attempt >= maxRetries) return giveUp(ctx, verdict.err, unknownEarlier);
        if (api) await slot.refund();
        await ctx.log('retry', api ? { status: api.status, code: api.twilioCode, attempt: attempt + 1 } : { error: err.message, attempt: attempt + 1 });
        await ctx.sleep(retryDelayMs(attempt, api?.retryAfterMs));
      }
    }
  }
}

/** Out of retries, nothing created by the last attempt: a Twilio refusal (429, 503) fails the key; no connection leaves it pending. */
async function giveUp(ctx: AttemptContext, err: TwilioApiError | NetworkError, unknownEarlier: boolean): Promise<never> {
  if (err instanceof TwilioApiError) {
    await ctx.fail(err, !unknownEarlier);
    await ctx.log('failed', { code: err.twilioCode, status: err.status });
    throw err;
  }
  await ctx.log('unknown', { error: err.message });
  throw new NetworkError(err.message, err.hint, ctx.msg.requestKey);
}

/** Waits for the sender's rate slot; a stop during the wait means this message is not sent. */
async function stoppable<T>(signal: AbortSignal | undefined, key: string, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    if (signal?.aborted) throw new StoppedBeforeSendError(key);
    throw err;
  }
}

/** The sender's window admits the request now (after a wait, if it is full); a stop or a store failure meanwhile: not made. */
async function admitNow(slot: TakenSlot, signal: AbortSignal | undefined): Promise<void> {
  try {
    await slot.admit(signal);
  } catch (err) {
    if (signal?.aborted) throw new RequestNotMadeError('Stopped while waiting for the sender\'s rate; this request was not made.', undefined, true);
    throw new RequestNotMadeError(`The sender's rate window could not be read from the store (${(err as Error).message}); this request was not made.`, 'Check the store (`doctor`), then run the command again.', false, 'rate_window_unavailable');
  }
}
