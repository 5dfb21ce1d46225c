/**
 * The sender's rate is a cap on every one-second window, not only an average: a process that stalls
 * (a loaded machine, a long pause) and wakes with several slots overdue does not send them in a burst
 * next to another process's on-time slots. And a send counts from its request's answer, so however
 * late the API records a request between its admission and its answer, no second at the API holds
 * more than the rate (rate-window.ts).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { createStoreRateLimiter } from '../../src/messaging/rate-limiter.js';
import { SEND_TIMEOUT_MS } from '../../src/messaging/send-attempts.js';
import { openStore } from '../../src/store/open-store.js';
import { admitSend, IN_FLIGHT_HOLD_MS, prepareWindow, sendAnswered } from '../../src/store/rate-window.js';
import { REPO } from '../helpers/cli.js';
import { recordingRows } from '../helpers/recording-store.js';
import { busiestSpans, busiestWindow } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const RATE = 10; // 100 ms a slot, 10 in any second
const SENDER = '+15550004321';
// The statement recording a send's answer: its place's time becomes the store's clock.
const ANSWERED = /^UPDATE rate_sends SET sent_at = .* RETURNING sent_at$/;

// The late process: takes six slots, says so once they are all reserved (counted as the store answers
// each reservation, however slowly a loaded machine runs them), stalls for 700 ms (the fault under test: its event loop blocked, so its
// overdue slots all come due at once), then prints when each send counts from (its answer's sent_at, the
// database's clock; no request is made, so each is answered once admitted), read as test/helpers/recording-store.ts does.
const LATE = `
const [repo, url, sender, rate] = process.argv.slice(1);
const { openStore } = await import(repo + '/dist/store/open-store.js');
const { createStoreRateLimiter } = await import(repo + '/dist/messaging/rate-limiter.js');
const store = await openStore(url, { queryBuilder: false });
const admitted = [];
let reserved = 0;
const recording = new Proxy(store, { get: (t, k) => k === 'readOne' ? async (s, p) => {
  const row = await t.readOne(s, p);
  if (row && /RETURNING sent_at$/.test(s.postgres)) admitted.push(Number(row.sent_at));
  if (s.sqlite.startsWith('INSERT INTO rate_slots')) reserved++;
  return row;
} : Reflect.get(t, k) });
const limiter = createStoreRateLimiter(recording, sender, Number(rate));
const takes = Array.from({ length: 6 }, () => limiter.take().then(async (slot) => { await slot.admit(); await slot.answered(); }));
while (reserved < 6) await new Promise(setImmediate);
process.stdout.write('reserved\\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700);
await Promise.all(takes);
process.stdout.write(JSON.stringify(admitted) + '\\n');
await store.close();
`;

// A process admitting sends straight through the window (no schedule in front): as many as it can,
// as fast as it can, waiting only when the window says so. Each admitted send stays in flight (its
// request unanswered) while three more are admitted, so requests overlap as in a batch; prints each
// send's span: [admitted, answered], both on the store's clock.
const EAGER = `
const [repo, url, sender, rate, count] = process.argv.slice(1);
const { openStore } = await import(repo + '/dist/store/open-store.js');
const { admitSend, prepareWindow, sendAnswered, windowFor, IN_FLIGHT_HOLD_MS } = await import(repo + '/dist/store/rate-window.js');
const store = await openStore(url, { queryBuilder: false });
const w = windowFor(Number(rate));
await prepareWindow(store, sender, w);
const spans = [];
const inFlight = [];
const answerOldest = async () => {
  const sent = inFlight.shift();
  spans.push([sent.sentAt - IN_FLIGHT_HOLD_MS, (await sendAnswered(store, sender, sent)).sentAt]);
};
while (spans.length + inFlight.length < Number(count)) {
  const answer = await admitSend(store, sender, w);
  if ('admitted' in answer) inFlight.push(answer.admitted);
  if (inFlight.length > 3 || (inFlight.length && !('admitted' in answer))) await answerOldest();
  else if (!('admitted' in answer)) await new Promise((resolve) => setTimeout(resolve, Math.max(1, answer.waitMs)));
}
while (inFlight.length) await answerOldest();
process.stdout.write(JSON.stringify(spans) + '\\n');
await store.close();
`;

function eagerProcess(url: string, sender: string, rate: number, count: number): Promise<[number, number][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', EAGER, REPO, url, sender, String(rate), String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`an eager process exited ${code}: ${err}`))));
  });
}

function lateProcess(url: string, onReserved: () => void): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', LATE, REPO, url, SENDER, String(RATE)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.startsWith('reserved\n') && !out.includes('[')) onReserved();
    });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.split('\n')[1])) : reject(new Error(`the late process exited ${code}: ${err}`))));
  });
}

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`the rate window on ${kind.name}`, () => {
    it('a process waking late with overdue slots pushes no second over the rate; a refused send frees its place', { timeout: 30_000 }, async () => {
      const url = await kind.url();
      const store = await openStore(url);
      try {
        const { store: recording, rows: admitted } = recordingRows<{ sent_at: number | string }>(store, ANSWERED);
        const onTime = createStoreRateLimiter(recording, SENDER, RATE);
        const mine: Promise<void>[] = [];
        const late = await lateProcess(url, () => {
          // This process's slots follow the late one's six, and come due on time (answered once admitted).
          for (let i = 0; i < 15; i++) mine.push(onTime.take().then(async (slot) => { await slot.admit(); await slot.answered(); }));
        });
        await Promise.all(mine);
        const all = [...late, ...admitted.map((r) => Number(r.sent_at))];
        expect(all).toHaveLength(21);
        // At most 10 sends in any second of the store's clock, where each send counts from (a hair under a
        // second: the clock has fractions). Without the window the late burst makes it 14 or more.
        expect(busiestWindow(all, 999.9)).toBeLessThanOrEqual(RATE);

        // A request the API refused (429) gives its place back: the next send is not held for a second.
        // The store's answers say so: its slot was free at once, and the window admitted it without a wait.
        const single = recordingRows<{ wait_ms?: number | string }>(store, /INSERT INTO rate_slots|MIN\(sent_at\)/);
        const limiter = createStoreRateLimiter(single.store, '+15550004322', 1);
        const slot = await limiter.take();
        await slot.admit();
        await slot.refund();
        await (await limiter.take()).admit();
        expect(single.rows.map((r) => Number(r.wait_ms) <= 0)).toEqual([true, true]);
      } finally {
        await store.close();
      }
    });

    it('three processes admitting as fast as they can, requests in flight: no second of the store\'s clock reaches into more spans than the rate, and the window fills', { timeout: 30_000 }, async () => {
      const url = await kind.url();
      const sender = '+15550004323';
      const rate = 20;
      const spans = (await Promise.all([1, 2, 3].map(() => eagerProcess(url, sender, rate, 15)))).flat();
      expect(spans).toHaveLength(45);
      // Wherever in its span [admitted, answered] an API recorded each request, no second holds more
      // than the rate: a place is taken again only a window after its answer (0.5 ms for float rounding).
      // Counted from admissions alone (the window before), a place came free a window after its
      // admission even with its request still in flight, however late the API then recorded it.
      expect(busiestSpans(spans, 999.5)).toBeLessThanOrEqual(rate);
      // Nothing kept a place idle: the first 20 went at once, 45 need a little over two windows.
      expect(busiestWindow(spans.map(([admitted]) => admitted), 1000)).toBeGreaterThanOrEqual(rate);
    });

    it('a place whose request is in flight is not taken, however long it lasts; its answer frees it a window later', { timeout: 30_000 }, async () => {
      const store = await openStore(await kind.url());
      try {
        // One send per 5 ms: a window short enough to pass many times over while a request is in flight.
        const w = { perWindow: 1, windowMs: 5 };
        const sender = '+15550004324';
        await prepareWindow(store, sender, w);
        const first = await admitSend(store, sender, w);
        if (!('admitted' in first)) throw new Error(`the empty window refused a send (wait ${first.waitMs} ms)`);
        // Refused for ten windows and more (a bounded loop asking the store; the decision is the store's),
        // each time told to ask again within a window, not to sleep out the in-flight hold.
        const asked = performance.now();
        do {
          const again = await admitSend(store, sender, w);
          expect('admitted' in again).toBe(false);
          expect((again as { waitMs: number }).waitMs).toBeLessThanOrEqual(w.windowMs);
        } while (performance.now() - asked < 10 * w.windowMs);
        const answered = await sendAnswered(store, sender, first.admitted);
        expect(answered.sentAt).toBeLessThan(first.admitted.sentAt); // the answer's time, no longer the hold
        const next = await vi.waitFor(async () => {
          const answer = await admitSend(store, sender, w);
          if (!('admitted' in answer)) throw new Error('not yet');
          return answer.admitted;
        }, { timeout: 10_000, interval: 1 });
        expect(next.sentAt - IN_FLIGHT_HOLD_MS).toBeGreaterThanOrEqual(answered.sentAt + w.windowMs - 0.5);
      } finally {
        await store.close();
      }
    });
  });
}

it('a place in flight is held longer than any request lasts', () => {
  expect(IN_FLIGHT_HOLD_MS).toBeGreaterThan(SEND_TIMEOUT_MS);
});
