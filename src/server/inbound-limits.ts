/**
 * Inbound rate limits (#19), with the figures of OpenClaw's SMS plugin as defaults (serve.inboundLimits):
 * texts per verified sender and in total, failed requests per client address, and status callbacks,
 * each over a sliding window (sliding-window.ts).
 *
 * Per serve instance, in memory: a check is a few map lookups and never waits for the store, so the
 * webhook path costs what it did; with several instances on one PostgreSQL store, each counts what it
 * receives (README: "Inbound limits"). They protect this instance's agent turns, log and store.
 */
import type { ResolvedConfig } from '../config/resolve.js';
import type { Emit } from './events.js';
import type { Metrics } from './metrics.js';
import { createSlidingWindow, type SlidingWindow } from './sliding-window.js';

export type LimitName = 'sender' | 'total' | 'failed' | 'callbacks';

export type TextAdmission = { ok: true } | { ok: false; limit: 'sender' | 'total'; reason: string };

export interface InboundLimits {
  /** Whether a text from `from` may be handled; counted against the sender's and the total limit when it may. */
  admitText(from: string): TextAdmission;
  /** Counts a failed request from `address`: true while within its budget (report it), false above (429, quietly). */
  failedRequest(address: string): boolean;
  /** Whether a status callback may be handled (counted when it may). */
  admitStatusCallback(): boolean;
  /** Seconds until `limit`'s window ends: the Retry-After of a 429. */
  retryAfterSeconds(limit: LimitName): number;
}

export type InboundLimitFigures = ResolvedConfig['serve']['inboundLimits'];

/** Addresses tracked per window for failed requests; more share one budget (a flood from many addresses). */
const MAX_ADDRESSES = 10_000;

/**
 * A key as kept in memory: senders are phone numbers and addresses IPs, far shorter; the cap keeps a
 * hostile value (a forwarded header, an unsigned From on a development server) from costing more.
 */
const keyOf = (text: string) => text.slice(0, 64);

export function createInboundLimits(figures: InboundLimitFigures, o: { metrics: Metrics; emit: Emit; now?: () => number }): InboundLimits {
  const windowMs = figures.windowSeconds * 1000;
  const window = (max: number, maxKeys?: number) => createSlidingWindow(max, windowMs, { now: o.now, maxKeys });
  const windows: Record<LimitName, SlidingWindow> = {
    sender: window(figures.perSender),
    total: window(figures.total),
    failed: window(figures.failedRequests, MAX_ADDRESSES),
    callbacks: window(figures.statusCallbacks),
  };
  // Every failed request, from any address, for /metrics (no limit of its own).
  const allFailed = window(0);
  const reported = new Map<string, number>();
  /** Counted each time; said on the bus once per limit, key and window, so a flood makes one line, not thousands. */
  const limited = (limit: LimitName, key = '') => {
    o.metrics.count('inbound_limited_total', { limit });
    const id = `${limit}:${key}`;
    const start = windows[limit].windowStart();
    if (reported.get(id) === start) return;
    if (reported.size >= MAX_ADDRESSES) reported.clear();
    reported.set(id, start);
    o.emit('limit.reached', { limit, ...(key ? { key } : {}), max: windows[limit].max, windowSeconds: figures.windowSeconds });
  };
  registerGauges(o.metrics, windows, allFailed, figures.windowSeconds);
  /** Counts one for `key` when the window allows it; says whether it did. */
  const take = (w: SlidingWindow, key?: string) => {
    if (!w.allows(key)) return false;
    w.count(key);
    return true;
  };
  return {
    admitText(sender) {
      const from = keyOf(sender);
      if (!windows.sender.allows(from)) {
        limited('sender', from);
        return { ok: false, limit: 'sender', reason: `over the limit of ${figures.perSender} texts per sender in ${figures.windowSeconds} s (serve.inboundLimits.perSender)` };
      }
      if (!windows.total.allows()) {
        limited('total');
        return { ok: false, limit: 'total', reason: `over the limit of ${figures.total} texts in all in ${figures.windowSeconds} s (serve.inboundLimits.total)` };
      }
      windows.sender.count(from);
      windows.total.count();
      return { ok: true };
    },
    failedRequest(fullAddress) {
      const address = keyOf(fullAddress);
      allFailed.count();
      if (take(windows.failed, address)) return true;
      limited('failed', address);
      return false;
    },
    admitStatusCallback() {
      if (take(windows.callbacks)) return true;
      limited('callbacks');
      return false;
    },
    retryAfterSeconds: (limit) => windows[limit].secondsLeft(),
  };
}

/** The current window's figures in /metrics: each limit, its level now, and the senders and addresses at their limit. */
function registerGauges(metrics: Metrics, windows: Record<LimitName, SlidingWindow>, allFailed: SlidingWindow, windowSeconds: number): void {
  const round = (n: number) => Math.round(n * 100) / 100;
  const atLimit = (w: SlidingWindow) => () => (w.max === 0 ? 0 : w.levels().filter((l) => l + 1 > w.max).length);
  metrics.setGauge('inbound_limit_window_seconds', () => windowSeconds);
  for (const [name, w] of Object.entries(windows)) metrics.setGauge(`inbound_limit_max{limit="${name}"}`, () => w.max);
  metrics.setGauge('inbound_limit_level{limit="total"}', () => round(windows.total.level()));
  metrics.setGauge('inbound_limit_level{limit="callbacks"}', () => round(windows.callbacks.level()));
  metrics.setGauge('inbound_limit_level{limit="failed"}', () => round(allFailed.level()));
  metrics.setGauge('inbound_limit_level{limit="sender",which="highest"}', () => round(windows.sender.levels().reduce((a, b) => Math.max(a, b), 0)));
  metrics.setGauge('inbound_limit_keys_at_limit{limit="sender"}', atLimit(windows.sender));
  metrics.setGauge('inbound_limit_keys_at_limit{limit="failed"}', atLimit(windows.failed));
}
