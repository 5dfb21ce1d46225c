/** What every part of the sandbox shares: its state, its account, webhook sender, pacing and options. */
import { randomBytes } from 'node:crypto';
import { NUMBER_RATES } from '../twilio/sender-kinds.js';
import type { FaultSpec } from './faults.js';
import { newSid, rfc2822 } from './ids.js';
import type { Pacer } from './pacing.js';
import type { SandboxStore } from './sandbox-store.js';
import type { WebhookSender } from './webhooks.js';

export interface SenderRates {
  /** A long code (ordinary number): messages per second. @default 1 */
  longcode: number;
  /** @default 3 */
  tollfree: number;
  /** @default 100 */
  shortcode: number;
  /** A Messaging Service; by default the sum of its pool's rates. */
  service?: number;
  /** Outbound calls per second per account (Twilio's CPS). @default 1 */
  cps?: number;
}

export interface SandboxOptions {
  /** @default 4010 */
  port?: number;
  /** @default 127.0.0.1 */
  bind?: string;
  /** Persist state here (SQLite); in memory when absent. */
  dataDir?: string;
  faults?: FaultSpec;
  rates?: Partial<SenderRates>;
  /** How long a webhook may take to answer. @default 15000 (Twilio's) */
  webhookTimeoutMs?: number;
  /** From `sent` to `delivered`. @default 100 */
  deliveryDelayMs?: number;
  /** How long a dialled handset without a script stays on a <Dial> bridge before it hangs up (ms). @default 2000 */
  callTalkMs?: number;
  /**
   * Call time to real time for the TwiML interpreter and handset scripts: 1 plays calls at Twilio's
   * pace, 0.05 runs them 20 times faster (tests). Media streams always run in real time. @default 1
   */
  voiceTimeScale?: number;
  /** Concurrent REST requests per account before 429. @default 100 */
  maxConcurrentRequests?: number;
}

export interface AccountRecord {
  sid: string;
  authToken: string;
  apiKeySid: string;
  apiKeySecret: string;
  messagingServiceSid: string;
  friendlyName: string;
  dateCreated: string;
}

export interface SandboxContext {
  store: SandboxStore;
  account: AccountRecord;
  webhooks: WebhookSender;
  pacer: Pacer<string>;
  /** Outbound calls wait here for their account's CPS. */
  callPacer: Pacer<string>;
  rates: SenderRates;
  options: Required<Pick<SandboxOptions, 'deliveryDelayMs' | 'callTalkMs' | 'voiceTimeScale'>>;
  faults: FaultSpec;
  /** Set once the server listens. */
  baseUrl: string;
  accountPath: string;
  /** A timer that shutdown cancels. */
  later(ms: number, fn: () => void): void;
  /** Aborted when the sandbox stops: work in flight (media fetches) gives up. */
  stopping: AbortSignal;
  /** REST API requests being handled now, and the most at once since the start: what a client's concurrency cap must keep within. */
  requests: { inFlight: number; maxInFlight: number };
}

/** The account of this data folder: made once, then the same on every start. */
export function loadOrCreateAccount(store: SandboxStore): AccountRecord {
  const existing = store.getMeta('account');
  if (existing) return JSON.parse(existing) as AccountRecord;
  const account: AccountRecord = {
    sid: newSid('AC'),
    authToken: randomBytes(16).toString('hex'),
    apiKeySid: newSid('SK'),
    apiKeySecret: randomBytes(16).toString('hex'),
    messagingServiceSid: newSid('MG'),
    friendlyName: 'openclaw sandbox',
    dateCreated: rfc2822(new Date()),
  };
  store.setMeta('account', JSON.stringify(account));
  return account;
}

export const DEFAULT_RATES: SenderRates = { ...NUMBER_RATES };
