/**
 * The sender's rate is a cap on every one-second window, not only an average: a process that stalls
 * (a loaded machine, a long pause) and wakes with several slots overdue does not send them in a burst
 * next to another process's on-time slots.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createStoreRateLimiter } from '../../src/messaging/rate-limiter.js';
import { openStore } from '../../src/store/open-store.js';
import { REPO } from '../helpers/cli.js';
import { recordingRows } from '../helpers/recording-store.js';
import { busiestWindow } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const RATE = 10; // 100 ms a slot, 10 in any second
const SENDER = '+15550004321';
const ADMITTED = /UPDATE rate_sends SET sent_at/;

// The late process: takes six slots, says so once they are all reserved (counted as the store answers
// each reservation, however slowly a loaded machine runs them), stalls for 700 ms (the fault under test: its event loop blocked, so its
// overdue slots all come due at once), then prints when the store admitted each send (its sent_at, the
// database's clock), read from the window's answers as test/helpers/recording-store.ts does.
const LATE = `
const [repo, url, sender, rate] = process.argv.slice(1);
const { openStore } = await import(repo + '/dist/store/open-store.js');
const { createStoreRateLimiter } = await import(repo + '/dist/messaging/rate-limiter.js');
const store = await openStore(url, { queryBuilder: false });
const admitted = [];
let reserved = 0;
const recording = new Proxy(store, { get: (t, k) => k === 'readOne' ? async (s, p) => {
  const row = await t.readOne(s, p);
  if (row && /UPDATE rate_sends SET sent_at/.test(s.postgres)) admitted.push(Number(row.sent_at));
  if (s.sqlite.startsWith('INSERT INTO rate_slots')) reserved++;
  return row;
} : Reflect.get(t, k) });
const limiter = createStoreRateLimiter(recording, sender, Number(rate));
const takes = Array.from({ length: 6 }, () => limiter.take().then((slot) => slot.admit()));
while (reserved < 6) await new Promise(setImmediate);
process.stdout.write('reserved\\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700);
await Promise.all(takes);
process.stdout.write(JSON.stringify(admitted) + '\\n');
await store.close();
`;

// A process admitting sends straight through the window (no schedule in front): as many as it can,
// as fast as it can, waiting only when the window says so; prints each admitted send's time.
const EAGER = `
const [repo, url, sender, rate, count] = process.argv.slice(1);
const { openStore } = await import(repo + '/dist/store/open-store.js');
const { admitSend, prepareWindow, windowFor } = await import(repo + '/dist/store/rate-window.js');
const store = await openStore(url, { queryBuilder: false });
const w = windowFor(Number(rate));
await prepareWindow(store, sender, w);
const admitted = [];
while (admitted.length < Number(count)) {
  const answer = await admitSend(store, sender, w);
  if ('admitted' in answer) admitted.push(answer.admitted.sentAt);
  else await new Promise((resolve) => setTimeout(resolve, Math.max(1, answer.waitMs)));
}
process.stdout.write(JSON.stringify(admitted) + '\\n');
await store.close();
`;

function eagerProcess(url: string, sender: string, rate: number, count: number): Promise<number[]> {
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
        const { store: recording, rows: admitted } = recordingRows<{ sent_at: number | string }>(store, ADMITTED);
        const onTime = createStoreRateLimiter(recording, SENDER, RATE);
        const mine: Promise<void>[] = [];
        const late = await lateProcess(url, () => {
          // This process's slots follow the late one's six, and come due on time.
          for (let i = 0; i < 15; i++) mine.push(onTime.take().then((slot) => slot.admit()));
        });
        await Promise.all(mine);
        const all = [...late, ...admitted.map((r) => Number(r.sent_at))];
        expect(all).toHaveLength(21);
        // At most 10 sends in any second of the store's clock, where each send was admitted (a hair under a
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

    it('three processes admitting as fast as they can: never more than the rate in any window of the store\'s clock, and the window fills', { timeout: 30_000 }, async () => {
      const url = await kind.url();
      const sender = '+15550004323';
      const rate = 20;
      const runs = await Promise.all([1, 2, 3].map(() => eagerProcess(url, sender, rate, 15)));
      const all = runs.flat();
      expect(all).toHaveLength(45);
      // Exact in the store's clock (the admitted times are its readings); 0.5 ms for float rounding.
      expect(busiestWindow(all, 999.5)).toBeLessThanOrEqual(rate);
      // Nothing kept a place idle: the first 20 went at once, 45 need a little over two windows.
      expect(busiestWindow(all, 1000)).toBeGreaterThanOrEqual(rate);
    });
  });
}
