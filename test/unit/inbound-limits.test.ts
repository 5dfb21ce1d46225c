/**
 * The inbound limits' arithmetic with a clock the test moves: the sliding window, the sender and
 * total limits, the failed-request budget said once per window, and how the dashboard shows them.
 */
import { describe, expect, it } from 'vitest';
import { createDashboardModel } from '../../src/dashboard/model.js';
import type { ServeEvent } from '../../src/server/events.js';
import { createInboundLimits } from '../../src/server/inbound-limits.js';
import { createMetrics } from '../../src/server/metrics.js';
import { createSlidingWindow } from '../../src/server/sliding-window.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const takeAll = (w: ReturnType<typeof createSlidingWindow>, key: string, n: number) => {
  let taken = 0;
  for (let i = 0; i < n; i++) if (w.allows(key)) (w.count(key), taken++);
  return taken;
};

describe('sliding window', () => {
  it('allows the limit per key in a window, each key on its own', () => {
    const c = clock();
    const w = createSlidingWindow(3, 60_000, { now: c.now });
    expect(takeAll(w, 'a', 5)).toBe(3);
    expect(takeAll(w, 'b', 5)).toBe(3);
    expect(w.level('a')).toBe(3);
  });

  it('lets the previous window weigh in as it slides out, and forgets it after two windows', () => {
    const c = clock();
    const w = createSlidingWindow(10, 60_000, { now: c.now });
    expect(takeAll(w, 'a', 10)).toBe(10);
    c.advance(60_000); // the next window starts: the full previous one still counts
    expect(w.allows('a')).toBe(false);
    c.advance(30_000); // half of it slid out: 5 of its 10 count
    expect(w.level('a')).toBe(5);
    expect(takeAll(w, 'a', 10)).toBe(5);
    c.advance(120_000); // two windows later nothing is left
    expect(w.level('a')).toBe(0);
    expect(takeAll(w, 'a', 20)).toBe(10);
  });

  it('says how long until the window ends, at least a second', () => {
    const c = clock();
    const w = createSlidingWindow(1, 60_000, { now: c.now });
    expect(w.secondsLeft()).toBe(60);
    c.advance(59_500);
    expect(w.secondsLeft()).toBe(1);
    c.advance(1_000);
    expect(w.secondsLeft()).toBe(60);
  });

  it('has no limit at 0', () => {
    const w = createSlidingWindow(0, 1_000);
    expect(takeAll(w, 'a', 1_000)).toBe(1_000);
  });

  it('limits keys past maxKeys together instead of growing without bound', () => {
    const c = clock();
    const w = createSlidingWindow(2, 60_000, { now: c.now, maxKeys: 3 });
    for (const k of ['a', 'b', 'c']) expect(takeAll(w, k, 1)).toBe(1);
    // d, e and f share one overflow key: two of them get through in all.
    expect(['d', 'e', 'f'].map((k) => takeAll(w, k, 1))).toEqual([1, 1, 0]);
    expect(w.levels()).toHaveLength(4);
  });
});

describe('inbound limits', () => {
  const figures = { windowSeconds: 60, perSender: 2, total: 3, failedRequests: 2, statusCallbacks: 2 };
  function setup() {
    const c = clock();
    const events: { type: string; fields: unknown }[] = [];
    const metrics = createMetrics();
    const limits = createInboundLimits(figures, { metrics, emit: (type, fields) => events.push({ type, fields }), now: c.now });
    return { c, events, metrics, limits };
  }

  it('refuses a sender over its limit without spending the total, then the total for everyone', () => {
    const { limits, metrics } = setup();
    expect([1, 2, 3].map(() => limits.admitText('+15550001111').ok)).toEqual([true, true, false]);
    const refused = limits.admitText('+15550001111');
    expect(refused).toMatchObject({ ok: false, limit: 'sender', reason: expect.stringContaining('2 texts per sender in 60 s (serve.inboundLimits.perSender)') });
    // The refused texts of the first sender did not use the total: one more sender gets through.
    expect(limits.admitText('+15550002222').ok).toBe(true);
    expect(limits.admitText('+15550003333')).toMatchObject({ ok: false, limit: 'total', reason: expect.stringContaining('3 texts in all') });
    const text = metrics.render();
    expect(text).toContain('openclaw_telephony_inbound_limited_total{limit="sender"} 2');
    expect(text).toContain('openclaw_telephony_inbound_limited_total{limit="total"} 1');
    expect(text).toContain('openclaw_telephony_inbound_limit_level{limit="total"} 3');
    expect(text).toContain('openclaw_telephony_inbound_limit_keys_at_limit{limit="sender"} 1');
    expect(text).toContain('openclaw_telephony_inbound_limit_max{limit="callbacks"} 2');
  });

  it('says a limit was reached once per key and window, however many requests it refuses', () => {
    const { c, limits, events } = setup();
    const fromA = () => limits.failedRequest('203.0.113.7');
    expect([fromA(), fromA(), fromA(), fromA(), fromA()]).toEqual([true, true, false, false, false]);
    expect(limits.failedRequest('198.51.100.1')).toBe(true);
    expect(events).toEqual([{ type: 'limit.reached', fields: { limit: 'failed', key: '203.0.113.7', max: 2, windowSeconds: 60 } }]);
    c.advance(120_000);
    expect([fromA(), fromA(), fromA()]).toEqual([true, true, false]);
    expect(events).toHaveLength(2);
    expect(limits.retryAfterSeconds('failed')).toBe(60);
  });

  it('caps status callbacks', () => {
    const { limits } = setup();
    expect([1, 2, 3].map(() => limits.admitStatusCallback())).toEqual([true, true, false]);
  });

  it('shows refusals and reached limits in the dashboard, terminal-safe', () => {
    const model = createDashboardModel();
    const bus = (e: Pick<ServeEvent, 'type' | 'fields'>) => model.push(e.type, e.fields as Record<string, unknown>);
    bus({ type: 'limit.reached', fields: { limit: 'sender', key: '+15550001111', max: 30, windowSeconds: 60 } });
    bus({ type: 'sms.refused', fields: { from: '+15550001111', to: '+15550002222', reason: 'over the limit of 30 texts per sender in 60 s (serve.inboundLimits.perSender)' } });
    bus({ type: 'limit.reached', fields: { limit: 'failed', key: '\u001b[2J203.0.113.7', max: 300, windowSeconds: 60 } });
    const errors = model.snapshot().errors.map((e) => e.text);
    expect(errors[0]).toBe('limit reached: texts from sender +15550001111, 30 per 60 s; more are refused until the window moves on');
    expect(errors[1]).toContain('refused a text from +15550001111: over the limit of 30 texts per sender');
    expect(errors[2]).not.toContain('\u001b');
  });
});

describe('inbound limit keys', () => {
  it('keeps at most 64 characters of a key, so a hostile value costs no more than a number', () => {
    const events: { fields: { key?: string } }[] = [];
    const limits = createInboundLimits({ windowSeconds: 60, perSender: 1, total: 0, failedRequests: 1, statusCallbacks: 1 }, { metrics: createMetrics(), emit: (_type, fields) => events.push({ fields: fields as { key?: string } }) });
    const long = '10.0.0.1'.padEnd(20_000, 'x');
    expect([limits.failedRequest(long), limits.failedRequest(long.slice(0, 64) + 'y')]).toEqual([true, false]);
    expect(events[0].fields.key).toHaveLength(64);
  });
});
