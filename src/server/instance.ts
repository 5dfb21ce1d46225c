/**
 * This `serve` as one of the instances sharing the store: its row in the instances table, kept fresh
 * by a heartbeat, removed on the way out. Webhook claims (dedup.ts) and conversation tickets
 * (turn-order.ts) carry its id, so when it dies (no heartbeat for INSTANCE_EXPIRY_MS) the others take
 * its unanswered webhooks over and stop waiting for its turns.
 */
import os from 'node:os';
import { newOwnerId } from '../store/claims.js';
import { beat, forgetDeadInstances, HEARTBEAT_MS, INSTANCE_EXPIRY_MS, joinInstances, leaveInstances } from '../store/instances.js';
import type { Store } from '../store/open-store.js';
import { joinAlone } from '../store/instance-alone.js';
import type { InstancesTable } from '../store/tables.js';
import { ConfigError } from '../errors.js';

export interface ServeInstance {
  readonly id: string;
  /** Records where this instance listens, once it does. */
  listening(url: string, publicUrl?: string): Promise<void>;
  /** Stops the heartbeat and removes the row: this instance's claims are free at once. */
  leave(): Promise<void>;
}

/** Dead instances' leftovers are cleared every this many beats (by whichever instance gets there). */
const SWEEP_EVERY_BEATS = 15;

/** Joins before listening (so its first claims already belong to a live instance); `listening` adds the URL. */
export async function joinAsInstance(store: Store, o: { version: string; onError(err: Error): void }): Promise<ServeInstance> {
  const id = newOwnerId();
  const info = { id, host: os.hostname(), pid: process.pid, started_at: new Date(performance.timeOrigin).toISOString(), version: o.version, url: '', public_url: null as string | null };
  if (store.dialect === 'sqlite') {
    const other = await joinAlone(store, info);
    if (other) throw storeInUse(store.location, other);
  } else {
    await joinInstances(store, info);
  }
  let beats = 0;
  let left = false;
  let inFlight: Promise<void> | undefined;
  const heartbeat = async () => {
    try {
      // Gone after a long stall (forgotten by another instance): join again, unless this instance is leaving.
      if (!(await beat(store, id)) && !left) await joinInstances(store, info);
      if (++beats % SWEEP_EVERY_BEATS === 0) await forgetDeadInstances(store);
    } catch (err) {
      o.onError(err as Error);
    }
  };
  const timer = setInterval(() => {
    if (inFlight || left) return; // a slow store: skip a beat rather than pile up statements
    inFlight = heartbeat().finally(() => (inFlight = undefined));
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    id,
    async listening(url, publicUrl) {
      Object.assign(info, { url, public_url: publicUrl ?? null });
      await joinInstances(store, info);
    },
    async leave() {
      left = true;
      clearInterval(timer);
      // A beat already sent could otherwise land after the DELETE, find no row and join again.
      await inFlight;
      await leaveInstances(store, id);
    },
  };
}

/** Another serve has the SQLite file: who it is, and what to do. */
function storeInUse(location: string, other: InstancesTable): ConfigError {
  const where = other.url ? `, listening on ${other.url}` : '';
  return new ConfigError(
    `Another serve is using the SQLite store ${location}: process ${other.pid} on ${other.host}, started ${other.started_at}${where}. On SQLite only one serve (or one OpenClaw Gateway channel) may use a store file, or webhooks could be handled twice.`,
    `Stop that process first, or give this one its own store (store.url). To run several instances on one store, use PostgreSQL (store.url: postgres://...). A process that died without leaving is ignored once its process is gone (on this machine) or ${INSTANCE_EXPIRY_MS / 1000} s after its last heartbeat.`,
    'store_in_use',
  );
}
