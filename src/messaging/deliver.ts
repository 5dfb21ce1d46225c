/**
 * Sends one message exactly once under its idempotency key: the key and the request are written
 * before the API call and settled with the SID after it; a settled key answers from the store; a
 * pending one is reconciled against Twilio's Messages list before any resend. 429 and 503 answers
 * are retried with backoff (honouring Retry-After) and give their rate slot back; a lost answer is
 * reconciled, then retried.
 */
import { randomUUID } from 'node:crypto';
import { NetworkError, TwilioApiError } from '../errors.js';
import type { Logger } from '../log.js';
import { appendEvent } from '../store/events.js';
import { beginKey, failKey, findKey, retryKey, settleKey } from '../store/idempotency.js';
import { recordMessage } from '../store/message-log.js';
import type { Store } from '../store/open-store.js';
import { addOptOut } from '../store/optouts.js';
import { retryDelayMs, sleep as realSleep } from '../twilio/backoff.js';
import { createMessage, type CreateMessageParams, type TwilioMessage } from '../twilio/messages-api.js';
import type { RestClient } from '../twilio/rest-client.js';
import type { RateLimiter } from './rate-limiter.js';
import { findSentMessage } from './reconcile.js';
import { analyzeSegments, type Encoding } from './segments.js';

/** One message to create, under its idempotency key. */
export interface OutboundMessage extends CreateMessageParams {
  key: string;
  chunk?: number;
  chunks?: number;
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
  chunk?: number;
  chunks?: number;
}

export interface DeliverDeps {
  store: Store;
  client: RestClient;
  limiter: RateLimiter;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts after the first for 429, 503 and lost answers. @default 3 */
  maxRetries?: number;
  /** Fault injection for crash tests: called after the API accepted a message, before it is settled. */
  afterAccepted?: (sid: string) => void;
}

const RETRYABLE_STATUS = new Set([429, 503]);

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

export async function deliverMessage(msg: OutboundMessage, deps: DeliverDeps): Promise<SendResult> {
  const { store, client, logger } = deps;
  const sleep = deps.sleep ?? realSleep;
  const correlationId = randomUUID();
  const request = { to: msg.to, from: msg.from, messagingServiceSid: msg.messagingServiceSid, body: msg.body, media: msg.media };
  const log = (outcome: string, extra: Record<string, unknown> = {}) => {
    logger.event('twilio.sms.send', { correlationId, key: msg.key, to: msg.to, outcome, ...extra });
    return appendEvent(store, 'twilio.sms.send', correlationId, { key: msg.key, to: msg.to, outcome, ...extra });
  };
  const settle = async (m: TwilioMessage, deduplicated: boolean, outcome: string) => {
    const result = resultOf(msg, m, false);
    await settleKey(store, msg.key, result);
    await recordMessage(store, { sid: m.sid, account_sid: null, direction: 'outbound-api', from_number: m.from ?? '', to_number: m.to, body: msg.body, status: m.status, num_segments: result.segments, error_code: null });
    await log(outcome, { sid: m.sid });
    return { ...result, deduplicated };
  };

  const existing = await findKey(store, msg.key);
  if (existing?.state === 'settled') {
    await log('deduplicated', { sid: (JSON.parse(existing.result!) as SendResult).sid });
    return { ...(JSON.parse(existing.result!) as SendResult), deduplicated: true };
  }
  if (existing?.state === 'pending' || (!existing && !(await beginKey(store, msg.key, 'sms', request)))) {
    const since = new Date((await findKey(store, msg.key))!.created_at);
    const found = await findSentMessage(client, store, { ...request, since });
    if (found) return settle(found, true, 'reconciled');
  } else if (existing?.state === 'failed') {
    await retryKey(store, msg.key, request);
  }

  const maxRetries = deps.maxRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    await deps.limiter.take();
    const since = new Date();
    try {
      const m = await createMessage(client, msg, { maxRetries: 0 });
      deps.afterAccepted?.(m.sid);
      return await settle(m, false, 'sent');
    } catch (err) {
      if (err instanceof TwilioApiError && RETRYABLE_STATUS.has(err.status) && attempt < maxRetries) {
        deps.limiter.refund();
        await log('retry', { status: err.status, code: err.twilioCode, attempt: attempt + 1 });
        await sleep(retryDelayMs(attempt, err.retryAfterMs));
        continue;
      }
      if (err instanceof NetworkError) {
        // The request may have gone through even though no answer came back: look before resending.
        // If even the look fails, resending could send twice: leave the key pending and stop here;
        // the next run reconciles it.
        let found: TwilioMessage | undefined;
        try {
          found = await findSentMessage(client, store, { ...request, since: new Date(since.getTime() - 1000) });
        } catch (lookupError) {
          await log('unknown', { error: err.message, lookupError: (lookupError as Error).message });
          const rerun = 'run the same command again: it checks Twilio first and sends only if nothing went out.';
          throw new NetworkError(`${err.message}; whether the message went out could not be checked, so it was not resent`, err.hint ? `${err.hint} Then ${rerun}` : rerun[0].toUpperCase() + rerun.slice(1));
        }
        if (found) return settle(found, false, 'sent-reconciled');
        if (attempt < maxRetries) {
          await log('retry', { error: err.message, attempt: attempt + 1 });
          await sleep(retryDelayMs(attempt));
          continue;
        }
        await log('unknown', { error: err.message });
        throw err; // the key stays pending: the next run reconciles it
      }
      if (err instanceof TwilioApiError) {
        await failKey(store, msg.key, { code: err.twilioCode, status: err.status, message: err.message });
        if (err.twilioCode === 21610) await addOptOut(store, msg.to, 'twilio-21610');
        await log('failed', { code: err.twilioCode, status: err.status });
      }
      throw err;
    }
  }
}
