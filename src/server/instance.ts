/**
 * This `serve` as one of the instances sharing the store: its row in the instances table, kept fresh
 * by a heartbeat, removed on the way out. Webhook claims (dedup.ts) and conversation tickets
 * (turn-order.ts) carry its id, so when it dies (no heartbeat for INSTANCE_EXPIRY_MS) the others take
 * its unanswered webhooks over and stop waiting for its turns.
 */
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { newOwnerId } from '../store/claims.js';
import { beat, HEARTBEAT_MS, INSTANCE_EXPIRY_MS, type InstanceInfo, joinInstances, leaveInstances, type OrphanedWebhook } from '../store/instances.js';
import type { Store } from '../store/open-store.js';
import { joinAlone, type OtherInstance } from '../store/instance-alone.js';
import { ownerIsGoneFromThisMachine } from '../store/owner-id.js';
import type { InstancesTable } from '../store/tables.js';
import { ConfigError } from '../errors.js';
import { sweepDeadInstances } from './orphaned-webhooks.js';

export interface ServeInstance {
  readonly id: string;
  /** Records where this instance listens, once it does. */
  listening(url: string, publicUrl?: string): Promise<void>;
  /** Stops the heartbeat and removes the row: this instance's claims are free at once. */
  leave(): Promise<void>;
}

/** Dead instances' leftovers are cleared every this many beats (by whichever instance gets there). */
const SWEEP_EVERY_BEATS = 15;
/** How long a new instance waits for one of this process's instances that is stopping to leave the SQLite file. */
const OWN_LEAVE_WAIT_MS = 30_000;

/**
 * This process's running instances, by id. The OpenClaw Gateway restarts a channel in the same process,
 * and may start the new account before the old one has finished stopping: on a SQLite file, the new one
 * waits for the old one's row to go instead of being refused by it. Kept on the global object, not in
 * this module: a config change makes the Gateway load the plugin anew, and the new copy of this module
 * must still know the old copy's instances.
 */
const REGISTRY = Symbol.for('openclaw-telephony.own-instances');
type OwnInstances = Map<string, { stopping(): boolean; left: Promise<void> }>;
const ownInstances: OwnInstances = ((globalThis as { [REGISTRY]?: OwnInstances })[REGISTRY] ??= new Map());
/** "host:pid" of this process's instance ids (owner-id.ts: host:pid:random). */
const processPart = (id: string) => id.slice(0, id.lastIndexOf(':'));
const THIS_PROCESS = processPart(newOwnerId());

/** What a new instance on a SQLite file makes of another live row (see instance-alone.ts). */
function judgeOther(waitUntil: number): (other: InstancesTable) => OtherInstance {
  return (other) => {
    const own = ownInstances.get(other.id);
    if (own) return own.stopping() && Date.now() < waitUntil ? Promise.race([own.left, delay(waitUntil - Date.now(), undefined, { ref: false })]) : 'in-the-way';
    // This process's id but no running instance: one whose leaving failed (the store was unavailable).
    if (processPart(other.id) === THIS_PROCESS) return 'gone';
    return ownerIsGoneFromThisMachine(other.id, /* a SQLite file is on this machine */ true) ? 'gone' : 'in-the-way';
  };
}

/** Several instances on PostgreSQL; on a SQLite file, only when no other live one is there (store_in_use). */
async function join(store: Store, info: InstanceInfo): Promise<void> {
  if (store.dialect === 'postgres') return joinInstances(store, info);
  const other = await joinAlone(store, info, judgeOther(Date.now() + OWN_LEAVE_WAIT_MS));
  if (other) throw storeInUse(store.location, other);
}

/** Joins before listening (so its first claims already belong to a live instance); `listening` adds the URL. */
export async function joinAsInstance(store: Store, o: { version: string; signal?: AbortSignal; onError(err: Error): void; onOrphaned?(webhooks: OrphanedWebhook[]): void }): Promise<ServeInstance> {
  const id = newOwnerId();
  const info = { id, host: os.hostname(), pid: process.pid, started_at: new Date(performance.timeOrigin).toISOString(), version: o.version, url: '', public_url: null as string | null };
  let left = false;
  let hasLeft!: () => void;
  // Known before it joins: another account of this process starting at the same moment finds it running.
  ownInstances.set(id, { stopping: () => left || o.signal?.aborted === true, left: new Promise<void>((resolve) => (hasLeft = resolve)) });
  try {
    await join(store, info);
  } catch (err) {
    ownInstances.delete(id);
    throw err;
  }
  let beats = 0;
  let inFlight: Promise<void> | undefined;
  const heartbeat = async () => {
    try {
      // Gone after a long stall (forgotten by another instance): join again, unless this instance is leaving.
      if (!(await beat(store, id)) && !left) await joinInstances(store, info);
      if (++beats % SWEEP_EVERY_BEATS === 0) await sweepDeadInstances(store, o.onOrphaned);
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
      try {
        await inFlight;
        await leaveInstances(store, id);
      } finally {
        ownInstances.delete(id);
        hasLeft();
      }
    },
  };
}

/** Another serve has the SQLite file: who it is, and what to do. */
function storeInUse(location: string, other: InstancesTable): ConfigError {
  const where = other.url ? `, listening on ${other.url}` : '';
  // Two accounts of one OpenClaw Gateway on one file, or one that did not finish stopping in time.
  const who = Number(other.pid) === process.pid ? `another telephony account of this same process (${other.pid})` : `process ${other.pid} on ${other.host}`;
  return new ConfigError(
    `Another serve is using the SQLite store ${location}: ${who}, started ${other.started_at}${where}. On SQLite only one serve (or one OpenClaw Gateway channel) may use a store file, or webhooks could be handled twice.`,
    `Stop that process first, or give this one its own store (store.url). To run several instances on one store, use PostgreSQL (store.url: postgres://...). A process that died without leaving is ignored once its process is gone (on this machine) or ${INSTANCE_EXPIRY_MS / 1000} s after its last heartbeat.`,
    'store_in_use',
  );
}
