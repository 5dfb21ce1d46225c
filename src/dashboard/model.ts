/**
 * What the dashboard shows, kept apart from how: a bounded feed of events, the items waiting for the
 * operator (pairing codes and held outbound messages), counts, and recent errors. `serve` feeds it
 * through `push`; the view reads snapshots at a bounded rate, so a flood of webhooks cannot flood
 * the terminal.
 */
import { redact } from '../secrets/redact.js';
import { safeForTerminal } from '../text/terminal-safe.js';
import { twilioHint } from '../twilio/error-hints.js';
import { COUNT_ONLY, type EventBus } from '../server/events.js';

export interface FeedItem {
  at: string;
  kind: 'in' | 'out' | 'status' | 'info';
  text: string;
}

export interface WaitingItem {
  kind: 'pairing' | 'approval';
  id: string;
  who: string;
  detail: string;
}

export interface DashboardSnapshot {
  feed: FeedItem[];
  errors: FeedItem[];
  counts: { inbound: number; outbound: number; refused: number; errors: number };
  /** Webhooks an instance died handling (the heartbeat sweep's webhook.orphaned) since this serve started, and when the newest was reported (HH:MM:SS UTC). */
  orphaned: { count: number; newestAt?: string };
  /** A message or call has come or gone (start-up events such as number.configured do not count). */
  traffic: boolean;
}

/**
 * The events that are message or call traffic: the first one ends the "try it" hints. Start-up and
 * housekeeping events (number.configured, store.migrated, tunnel, warnings) are not: the hints are
 * for an operator who has not sent anything yet.
 */
const TRAFFIC = new Set(['sms.in', 'sms.out', 'sms.refused', 'sms.ignored', 'sms.media', 'sms.optout', 'sms.optin', 'status', 'delivery', 'reply.failed', 'pairing.request', 'decision', 'call.in', 'call.status']);

const FEED_LIMIT = 200;
const ERROR_LIMIT = 20;
/** Longest feed line kept; the view truncates to the terminal's width anyway. */
const FEED_TEXT_MAX = 500;

export interface DashboardModel {
  /** A serve event: (name, fields). */
  push(event: string, fields: Record<string, unknown>): void;
  snapshot(): DashboardSnapshot;
}

/** Feeds the model from serve's event bus; returns how to stop. */
export function followBus(model: DashboardModel, bus: Pick<EventBus, 'subscribe'>): () => void {
  return bus.subscribe((e) => {
    if (!COUNT_ONLY.has(e.type)) model.push(e.type, e.fields);
  });
}

const LIMIT_WORDS: Record<string, string> = { sender: 'texts from sender', total: 'texts in all', failed: 'failed requests from', callbacks: 'status callbacks' };

const time = () => new Date().toISOString().slice(11, 19);
const s = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function createDashboardModel(): DashboardModel {
  const feed: FeedItem[] = [];
  const errors: FeedItem[] = [];
  const counts = { inbound: 0, outbound: 0, refused: 0, errors: 0 };
  const orphaned: DashboardSnapshot['orphaned'] = { count: 0 };
  let traffic = false;
  const add = (list: FeedItem[], item: FeedItem, limit: number) => {
    // Feed lines quote strangers (bodies, numbers, refused requests' fields): terminal-safe and redacted.
    list.push({ ...item, text: safeForTerminal(redact(item.text), { max: FEED_TEXT_MAX }) });
    if (list.length > limit) list.splice(0, list.length - limit);
  };
  return {
    push(event, f) {
      const at = time();
      if (TRAFFIC.has(event)) traffic = true;
      switch (event) {
        case 'sms.in':
          counts.inbound++;
          add(feed, { at, kind: 'in', text: `${s(f.from)} -> ${s(f.to)}: ${s(f.body)}` }, FEED_LIMIT);
          break;
        case 'sms.out':
          counts.outbound++;
          add(feed, { at, kind: 'out', text: `${s(f.from)} -> ${s(f.to)}: ${s(f.body)}${f.via === 'rest' ? ' (late, by REST)' : ''}` }, FEED_LIMIT);
          break;
        case 'status':
          // Repeats and late, older states change nothing: they stay out of the feed.
          if (f.outcome !== undefined && f.outcome !== 'applied') break;
          add(feed, { at, kind: 'status', text: `${s(f.sid)} ${s(f.status)}${f.errorCode ? ` (error ${s(f.errorCode)})` : ''}` }, FEED_LIMIT);
          // A message that failed for a known reason goes to the errors panel with what to do about it.
          if (f.errorCode) {
            counts.errors++;
            const hint = twilioHint(Number(f.errorCode));
            add(errors, { at, kind: 'info', text: `${s(f.sid)} ${s(f.status)}: error ${s(f.errorCode)}${hint ? `; ${hint}` : ''}` }, ERROR_LIMIT);
          }
          break;
        case 'sms.refused':
          counts.refused++;
          add(errors, { at, kind: 'info', text: `refused a text from ${s(f.from)}: ${s(f.reason)}` }, ERROR_LIMIT);
          break;
        case 'status.conflict':
          counts.errors++;
          add(errors, { at, kind: 'info', text: `${s(f.sid)} kept ${s(f.status)}: ${s(f.conflict)}` }, ERROR_LIMIT);
          break;
        case 'webhook.refused':
          counts.refused++;
          add(errors, { at, kind: 'info', text: `refused ${s(f.route)}: ${s(f.reason)}${Array.isArray(f.tried) && f.tried.length ? `; tried ${f.tried.join(', ')}` : ''}` }, ERROR_LIMIT);
          break;
        case 'limit.reached':
          add(errors, { at, kind: 'info', text: `limit reached: ${LIMIT_WORDS[s(f.limit)] ?? s(f.limit)}${f.key ? ` ${s(f.key)}` : ''}, ${s(f.max)} per ${s(f.windowSeconds)} s; more are refused until the window moves on` }, ERROR_LIMIT);
          break;
        case 'decision':
          add(feed, { at, kind: 'info', text: `${f.kind === 'pairing' ? 'pairing code' : 'held text'} ${s(f.id)} for ${s(f.who)} ${s(f.status)}` }, FEED_LIMIT);
          break;
        case 'webhook.orphaned':
          // Its body was never stored (nothing to show or replay): the route and the MessageSid say which.
          orphaned.count++;
          orphaned.newestAt = at;
          add(errors, { at, kind: 'info', text: `orphaned webhook: ${s(f.route)}${f.messageSid ? ` message ${s(f.messageSid)}` : ''} was being handled by a serve instance that stopped before answering; it did not reach the agent unless Twilio delivers it again` }, ERROR_LIMIT);
          break;
        case 'reply.orphaned':
          counts.errors++;
          add(errors, { at, kind: 'info', text: s(f.message) }, ERROR_LIMIT);
          break;
        case 'agent.error':
        case 'warning':
          counts.errors++;
          add(errors, { at, kind: 'info', text: `${event}: ${s(f.error ?? f.message)}` }, ERROR_LIMIT);
          break;
        default:
          add(feed, { at, kind: 'info', text: `${event} ${Object.entries(f).map(([k, v]) => `${k}=${s(v)}`).join(' ')}` }, FEED_LIMIT);
      }
    },
    snapshot: () => ({ feed: [...feed], errors: [...errors], counts: { ...counts }, orphaned: { ...orphaned }, traffic }),
  };
}
