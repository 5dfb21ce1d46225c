/**
 * What serve reports, as one typed union on one bus: the routes, the inbound path, the start-up steps
 * and the messaging verb (deliveries, late replies and their retries) emit; the dashboard model, the
 * log writer (plain or NDJSON) and the metrics subscribe. Voice adds its events to the map below.
 */
import type { Logger } from '../log.js';

export interface ServeEventMap {
  'sms.in': { from: string; to: string; body: string; media?: number };
  'sms.out': { from: string; to: string; body: string; via: 'twiml' | 'rest' };
  'sms.optout': { from: string };
  'sms.optin': { from: string };
  'sms.ignored': { from: string; reason: string; policy?: string };
  'sms.refused': { from: string; to: string; reason: string; kind: string };
  /** An admitted text's MMS media: how many items became files, their bytes, and why the others did not. */
  'sms.media': { from: string; fetched: number; bytes: number; unavailable: string[] };
  'pairing.request': { from: string; outcome: 'send-code' | 'already-sent' | 'capped' };
  /** A pairing code or held text was approved or rejected (here, or in another terminal). */
  decision: { kind: 'pairing' | 'approval'; id: string; who: string; status: string };
  'call.in': { from: string; to: string; decision: string };
  'call.status': { sid: string; status: string; errorCode?: number };
  status: { sid: string; status: string; errorCode?: number; reported?: string; outcome?: string; hint?: string; conflict?: string };
  'status.conflict': ServeEventMap['status'];
  'agent.error': { from: string; error: string };
  'agent.slow': { from: string; replyTimeoutMs: number };
  /** A late reply cut off by the death of the instance sending it (found by the sweep on any instance; said once): the parts that went of all. */
  'reply.orphaned': { to: string; messageSid: string; parts: number; sent: number; startedAt: string; message: string };
  /** A reply sent through the API failed (or serve stopped first): the part's key, and how many parts (it included) did not go. */
  'reply.failed': { to: string; key: string; error: string; unsentParts?: number };
  /** An outbound message through the REST API (a late reply, an approved message): each outcome of deliverMessage. */
  delivery: { key: string; to: string; outcome: string; [detail: string]: unknown };
  'webhook.refused': { route: string; reason: string; tried?: string[]; hint?: string };
  /** An inbound limit (serve.inboundLimits) refused its first request of a window (said once per limit, key and window; /metrics counts every one). */
  'limit.reached': { limit: 'sender' | 'total' | 'failed' | 'callbacks'; key?: string; max: number; windowSeconds: number };
  'webhook.replayed': { route: string };
  /** A webhook's handler ran and its answer was stored (COUNT_ONLY: one a webhook; sms.in and the rest say what it was). */
  'webhook.handled': { route: string };
  /** Another instance holds this webhook: answered 503, its first delivery is handled there (COUNT_ONLY; a warning says it). */
  'webhook.busy': { route: string };
  /** A webhook an instance claimed and died before answering (found by the heartbeat sweep; said once): unless Twilio delivers it again, its text never reached the agent. */
  'webhook.orphaned': { route: string; messageSid?: string; message: string };
  /** A request whose signature did not verify (COUNT_ONLY: every one; webhook.refused says it while under the failure budget). */
  'webhook.unverified': { route: string };
  /** A request refused before any route: bad input or a request target that is not a path (COUNT_ONLY, as above). */
  'webhook.rejected': { reason: string };
  /** A fetch of an outbound MMS file at serve.mediaPath (COUNT_ONLY: Twilio fetches each file at least once). */
  'media.fetch': { outcome: 'served' | 'not_found' | 'error' };
  'webhook.reclaimed': { route: string; why: string };
  'webhook.error': { path: string; error: string; storeUnavailable?: boolean };
  tunnel: { provider: string; state: 'up' | 'down'; url?: string };
  'number.configured': { number: string; smsUrl: string; voiceUrl: string };
  'number.restored': { number: string };
  /** Not restored on shutdown: another instance points the number at itself, or serves at the same public URL. */
  'number.kept': { number: string; reason: string };
  'shutdown.abandoned': { agentTurns: number; graceMs: number; message: string };
  warning: { message: string };
  /** This start applied these migrations to the store (another instance starting at once applied none). */
  'store.migrated': { migrations: string[] };
  error: { message: string };
  stopping: Record<string, never>;
}

export type ServeEventType = keyof ServeEventMap;

/**
 * Events that exist to be counted (/metrics): too frequent, or said already by another event, for
 * the log and the dashboard, which pass them over. Everything /metrics counts comes from the bus.
 */
export const COUNT_ONLY: ReadonlySet<string> = new Set<ServeEventType>(['webhook.handled', 'webhook.busy', 'webhook.unverified', 'webhook.rejected', 'media.fetch']);
export type ServeEvent = { [K in ServeEventType]: { type: K; at: Date; fields: ServeEventMap[K] } }[ServeEventType];

export type Emit = <K extends ServeEventType>(type: K, fields: ServeEventMap[K]) => void;

export interface EventBus {
  emit: Emit;
  /** For code outside the server that reports by name (agent shutdown, the messaging verb's logger). */
  emitByName(type: string, fields: Record<string, unknown>): void;
  /** Calls `listener` with every event from now on; returns how to stop. */
  subscribe(listener: (event: ServeEvent) => void): () => void;
}

/** The messaging verb's logger, reporting on the bus: each outcome of deliverMessage becomes a `delivery` event. */
export function loggerOnBus(bus: EventBus): Logger {
  return {
    event: (name, fields) => (name === 'twilio.sms.send' ? bus.emit('delivery', fields as ServeEventMap['delivery']) : bus.emitByName(name, fields)),
    debug: () => undefined,
  };
}

export function createEventBus(): EventBus {
  const listeners = new Set<(event: ServeEvent) => void>();
  const publish = (event: ServeEvent) => {
    for (const listener of listeners) listener(event);
  };
  return {
    emit: (type, fields) => publish({ type, at: new Date(), fields } as ServeEvent),
    emitByName: (type, fields) => publish({ type, at: new Date(), fields } as ServeEvent),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
