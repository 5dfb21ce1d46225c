/**
 * Process identities for claims (`host:pid:random`), and the one question they answer without
 * waiting for a lease: "is the process that owns this claim gone from this machine?"
 *
 * The host part names the machine's process table, not only its host name: two containers sharing a
 * host name (host networking) but not their process ids must not read each other's pids. On Linux a
 * process outside the host's own pid namespace therefore adds its namespace to the host part; when the
 * namespace cannot be read, the host part is marked so no other process matches it, and this process
 * never judges other processes' pids either.
 *
 * A host name proves nothing across machines (two cloned VMs, two containers named `localhost`), so on
 * Linux the host part also carries the kernel's boot id (`/boot-<32 hex>`: 128 random bits drawn at each
 * boot, shared by every container of that kernel, whose pid namespaces the part above tells apart). Only
 * such an id proves its owner ran on this machine since its last boot, which a store shared by machines
 * (PostgreSQL) needs before it may judge the owner's pid; a store of one machine (a SQLite file) may
 * trust the host name alone, as ids written before the boot id (and on Windows and macOS, where no boot
 * identity is readable without running a program) have only that.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import { processIsGone } from '../process-alive.js';
import { randomHex } from '../unique-id.js';

/** The inode of Linux's initial pid namespace (PROC_PID_INIT_INO): the host's own process table. */
const HOST_PID_NAMESPACE = 'pid:[4026531836]';

interface MachineTag {
  /** Written into this process's owner ids. */
  written: string;
  /** An owner's host part equal to this names this process table, on a store any machine may share; undefined: none. */
  proven: string | undefined;
  /** Host parts that name this process table when the store is on this machine alone (SQLite); undefined: none. */
  local: Set<string> | undefined;
}

let tag: MachineTag | undefined;

/** This kernel's boot id as 32 hex digits, or undefined where there is none (not Linux, /proc hidden). */
function bootId(): string | undefined {
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim().replaceAll('-', '').toLowerCase();
    return /^[0-9a-f]{32}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** `host` or, outside the host's pid namespace, `host/pidns-N`; undefined when the namespace cannot be read. */
function processTable(host: string): string | undefined {
  let namespace: string;
  try {
    namespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
  if (namespace === HOST_PID_NAMESPACE) return host;
  const inode = /\[(\d+)\]/.exec(namespace)?.[1];
  return inode === undefined ? undefined : `${host}/pidns-${inode}`;
}

function machineTag(): MachineTag {
  if (tag) return tag;
  const host = os.hostname();
  if (process.platform !== 'linux') return (tag = { written: host, proven: undefined, local: new Set([host]) });
  const table = processTable(host);
  if (table === undefined) return (tag = { written: `${host}/pidns-unknown`, proven: undefined, local: undefined });
  const boot = bootId();
  if (boot === undefined) return (tag = { written: table, proven: undefined, local: new Set([table]) });
  // The boot id goes before the namespace part, so an id written before it existed (`host/pidns-N`) still reads as that.
  const written = table === host ? `${host}/boot-${boot}` : `${host}/boot-${boot}/pidns-${table.slice(host.length + '/pidns-'.length)}`;
  return (tag = { written, proven: written, local: new Set([written, table]) });
}

/** A new owner id for this process: never reused, since the random part differs even when a pid is. */
export function newOwnerId(): string {
  return `${machineTag().written}:${process.pid}:${randomHex(8)}`;
}

/**
 * True only when `owner` names a process of this machine's process table that no longer exists: its
 * claims can be taken over at once. `storeOnThisMachineOnly`: the store is a file of this machine
 * (SQLite), so an owner with this host name ran here; otherwise (PostgreSQL) only a host part carrying
 * this boot's id proves it. Anything else (another machine, another boot, an id of another shape, a pid
 * in use, even by an unrelated process that reused it, or one we may not signal) is false: the lease decides.
 */
export function ownerIsGoneFromThisMachine(owner: string, storeOnThisMachineOnly: boolean): boolean {
  const m = /^(.+):(\d+):[0-9a-f]+$/.exec(owner);
  if (!m || !namesThisMachine(m[1], storeOnThisMachineOnly)) return false;
  const pid = Number(m[2]);
  if (pid === process.pid || !Number.isSafeInteger(pid) || pid <= 0) return false;
  return processIsGone(pid);
}

function namesThisMachine(hostPart: string, storeOnThisMachineOnly: boolean): boolean {
  const here = machineTag();
  if (storeOnThisMachineOnly) return here.local?.has(hostPart) ?? false;
  return here.proven !== undefined && hostPart === here.proven;
}
