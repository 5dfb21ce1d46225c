/**
 * The account's cap on concurrent Twilio API requests, held across every process sharing the store
 * (Twilio answers 429 / 20429 past the account's concurrency). The REST client enters the gate before
 * each request and leaves it when the answer is in (rest-client.ts), so every outbound action (send,
 * batch, serve's replies, lookups) is counted by the one mechanism.
 *
 * A request takes a slot row in the store (api-slots.ts). When all are taken, the process's waiters
 * queue here and only the first one asks the store again: at once when one of this process's
 * requests ends, otherwise after a short poll that grows while the slots stay taken. Waiting is
 * bounded (`maxWaitMs`) and a stop (AbortSignal) ends it at once. A heartbeat renews the leases of
 * the slots held, so only a dead or stalled process loses them.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { RequestNotMadeError } from '../errors.js';
import type { RequestGate } from '../twilio/rest-client.js';
import { newOwnerId } from './claims.js';
import type { Store } from './open-store.js';
import { acquireApiSlot, releaseApiSlot, releaseOwnerApiSlots, renewApiSlots, type SlotHolder } from './api-slots.js';

export interface AccountGateOptions {
  /** Requests of the account in flight at once, across every process on the store. */
  cap: number;
  /** How long a slot holds without renewal: how soon a killed process's slots are free again. @default 10000 */
  leaseMs?: number;
  /** How long a request may wait for a slot before it fails (nothing was sent). @default 60000 */
  maxWaitMs?: number;
}

export const API_SLOT_LEASE_MS = 10_000;
const FIRST_POLL_MS = 10;
const LONGEST_POLL_MS = 200;

interface Waiter {
  resolve(slot: number): void;
  reject(err: unknown): void;
  deadline: number;
}

export function createAccountGate(store: Store, account: string, opts: AccountGateOptions): RequestGate {
  const holder: SlotHolder = { account, owner: newOwnerId(), cap: opts.cap, leaseMs: opts.leaseMs ?? API_SLOT_LEASE_MS };
  const maxWaitMs = opts.maxWaitMs ?? 60_000;
  const held = new Set<number>();
  const waiters: Waiter[] = [];
  const releases = new Set<Promise<void>>();
  let pumping = false;
  let wake: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const hold = (slot: number) => {
    held.add(slot);
    if (!heartbeat) {
      heartbeat = setInterval(() => void renewApiSlots(store, holder).catch(() => undefined), holder.leaseMs / 4);
      heartbeat.unref();
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      held.delete(slot);
      if (!held.size && heartbeat) heartbeat = void clearInterval(heartbeat);
      // A release that fails leaves the row to its lease; nothing else depends on it.
      const release = releaseApiSlot(store, holder, slot).catch(() => undefined);
      releases.add(release);
      void release.finally(() => {
        releases.delete(release);
        wake?.();
      });
    };
  };

  const timedOut = () =>
    new RequestNotMadeError(
      `All ${holder.cap} Twilio API request slots of account ${account} stayed taken for ${Math.round(maxWaitMs / 1000)} s (by other processes on the store ${store.location}); this request was not made.`,
      'Run the command again once the other runs have finished, or raise outbound.apiConcurrency if your Twilio account allows more concurrent requests.',
    );

  /** Hands free slots to the queued waiters, first come first served, until none is left waiting. */
  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    let pollMs = FIRST_POLL_MS;
    try {
      while (waiters.length) {
        const now = Date.now();
        for (const late of waiters.filter((w) => w.deadline <= now)) {
          waiters.splice(waiters.indexOf(late), 1);
          late.reject(timedOut());
        }
        if (!waiters.length) break;
        const slot = await acquireApiSlot(store, holder);
        if (slot !== undefined) {
          const w = waiters.shift();
          if (w) w.resolve(slot);
          else hold(slot)(); // the waiter gave up meanwhile
          pollMs = FIRST_POLL_MS;
          continue;
        }
        const woken = new Promise<void>((resolve) => (wake = resolve));
        await Promise.race([woken, delay(pollMs * (0.5 + Math.random()))]);
        wake = undefined;
        pollMs = Math.min(LONGEST_POLL_MS, pollMs * 2);
      }
    } catch (err) {
      // The store failed: every waiter hears it rather than waiting for nothing.
      for (const w of waiters.splice(0)) w.reject(err);
    } finally {
      pumping = false;
    }
  }

  return {
    async enter(signal) {
      signal?.throwIfAborted();
      if (!waiters.length) {
        const slot = await acquireApiSlot(store, holder);
        if (slot !== undefined) return hold(slot);
      }
      const slot = await new Promise<number>((resolve, reject) => {
        const onAbort = () => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(new RequestNotMadeError('Stopped while waiting for a Twilio API request slot; this request was not made.', undefined, true));
        };
        const waiter: Waiter = {
          resolve: (s) => (signal?.removeEventListener('abort', onAbort), resolve(s)),
          reject: (e) => (signal?.removeEventListener('abort', onAbort), reject(e)),
          deadline: Date.now() + maxWaitMs,
        };
        waiters.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
        void pump();
      });
      return hold(slot);
    },
    async close() {
      if (heartbeat) heartbeat = void clearInterval(heartbeat);
      await Promise.allSettled([...releases]);
      if (held.size) await releaseOwnerApiSlots(store, holder).catch(() => undefined);
      held.clear();
    },
  };
}
