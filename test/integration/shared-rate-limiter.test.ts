/** One sender's rate held across processes: limiters on separate connections to one store share its schedule. */
import { describe, expect, it } from 'vitest';
import { createStoreRateLimiter } from '../../src/messaging/rate-limiter.js';
import { openStore } from '../../src/store/open-store.js';
import { recordingRows } from '../helpers/recording-store.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`shared rate limiter on ${kind.name}`, () => {
    it('three connections taking slots at once together stay within the rate; a refund gives one slot back', async () => {
      const url = await kind.url();
      const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
      try {
        const rate = 200; // 5 ms a slot
        const limiters = stores.map((s) => createStoreRateLimiter(s, '+15550001234', rate));
        const started = performance.now();
        const taken: number[] = [];
        await Promise.all(limiters.map(async (l) => {
          for (let i = 0; i < 40; i++) {
            await l.take();
            taken.push(performance.now() - started);
          }
        }));
        // 120 slots, 5 ms apart: the last cannot come before 119 intervals, less one slot: the store's
        // schedule is in whole milliseconds of its own clock, measured here with performance.now (a 2 ms
        // margin failed once by 0.04 ms). Limiters that did not share would finish after 39 intervals.
        expect(Math.max(...taken)).toBeGreaterThanOrEqual(118 * 5);
        // A different sender has a schedule of its own: its first slot is free at once. The waits are the
        // store's answers (its clock), not time measured here, which a loaded machine stretches.
        const { store: recorded, rows: reserved } = recordingRows<{ wait_ms: number | string }>(stores[0], /INSERT INTO rate_slots/);
        const other = createStoreRateLimiter(recorded, '+15550009999', 1);
        const slot = await other.take();
        await slot.refund(); // the 429 case: the slot was not used...
        await other.take(); // ...so the next take does not wait a whole second
        expect(reserved.map((r) => Number(r.wait_ms) <= 0)).toEqual([true, true]);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });
}
