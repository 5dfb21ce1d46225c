/**
 * The hard caps behind a store limiter's schedule: the sender's window (rate-window.ts) and, with an
 * account rate, the account's too, each a ring of places in the store. A send is admitted only when
 * every window has a place for it, and counts in each from its request's answer, so neither rate is
 * exceeded in any second where the API counts, however late a process or the API runs.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Store } from '../store/open-store.js';
import { type AdmittedSend, admitSend, forgetSend, prepareWindow, sendAnswered, windowFor } from '../store/rate-window.js';

/** One window: whose ring (a sender, or `account:<AccountSid>`) and its rate. */
export interface RateRing {
  key: string;
  ratePerSecond: number;
}

/** A slot's admission through the windows, then its answer or its refund. */
export interface WindowedSlot {
  admit(signal?: AbortSignal): Promise<void>;
  answered(): Promise<void>;
  refund(): Promise<void>;
}

export function storeWindows(store: Store, rings: RateRing[]) {
  const windows = rings.map((r) => ({ key: r.key, window: windowFor(r.ratePerSecond) }));
  let prepared: Promise<void> | undefined;
  return {
    /** The rings' rows exist (created once; a failure is tried again on the next take). */
    prepared: () =>
      (prepared ??= Promise.all(windows.map((w) => prepareWindow(store, w.key, w.window))).then(
        () => undefined,
        (err: unknown) => {
          prepared = undefined;
          throw err;
        },
      )),
    /** A slot whose time has come under the schedule `refundScheduled` gives back to. */
    slot(refundScheduled: () => Promise<void>): WindowedSlot {
      let admitted: (AdmittedSend | undefined)[] = [];
      const forget = () => Promise.all(windows.map((w, i) => admitted[i] && forgetSend(store, w.key, admitted[i]!)));
      return {
        async admit(stop) {
          for (;;) {
            const waitMs = await admitInEvery();
            if (waitMs === undefined) return;
            // A window is full (a late process sent its overdue slots, or requests are still in flight):
            // the places taken in the others go back, and the send waits until that one has a place.
            await forget();
            admitted = [];
            await delay(Math.max(1, waitMs), undefined, stop ? { signal: stop } : undefined);
          }
        },
        async answered() {
          admitted = await Promise.all(windows.map((w, i) => admitted[i] && sendAnswered(store, w.key, admitted[i]!).catch(() => admitted[i])));
        },
        async refund() {
          await refundScheduled();
          await forget();
        },
      };
      /** Takes a place in each window in turn; answers how long to wait when one has none. */
      async function admitInEvery(): Promise<number | undefined> {
        for (const w of windows) {
          const answer = await admitSend(store, w.key, w.window);
          if (!('admitted' in answer)) return answer.waitMs;
          admitted.push(answer.admitted);
        }
        return undefined;
      }
    },
  };
}
