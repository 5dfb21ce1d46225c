/**
 * Process identities for claims (`host:pid:random`), and the one question they answer without
 * waiting for a lease: "is the process that owns this claim gone from this machine?"
 *
 * The host part names the machine's process table, not only its host name: two containers sharing a
 * host name (host networking) but not their process ids must not read each other's pids. On Linux a
 * process outside the host's own pid namespace therefore adds its namespace to the host part; when the
 * namespace cannot be read, the host part is marked so no other process matches it, and this process
 * never judges other processes' pids either.
 */
import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import os from 'node:os';

/** The inode of Linux's initial pid namespace (PROC_PID_INIT_INO): the host's own process table. */
const HOST_PID_NAMESPACE = 'pid:[4026531836]';

interface MachineTag {
  /** Written into this process's owner ids. */
  written: string;
  /** What another owner's host part must equal for its pid to mean a process here; undefined: never. */
  comparable: string | undefined;
}

let tag: MachineTag | undefined;

function machineTag(): MachineTag {
  if (tag) return tag;
  const host = os.hostname();
  if (process.platform !== 'linux') return (tag = { written: host, comparable: host });
  let namespace: string;
  try {
    namespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    return (tag = { written: `${host}/pidns-unknown`, comparable: undefined });
  }
  if (namespace === HOST_PID_NAMESPACE) return (tag = { written: host, comparable: host });
  const inode = /\[(\d+)\]/.exec(namespace)?.[1] ?? 'unknown';
  const written = `${host}/pidns-${inode}`;
  return (tag = { written, comparable: inode === 'unknown' ? undefined : written });
}

/** A new owner id for this process: never reused, since the random part differs even when a pid is. */
export function newOwnerId(): string {
  return `${machineTag().written}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * True only when `owner` names a process of this machine's process table that no longer exists: its
 * claims can be taken over at once. Anything else (another machine, an id of another shape, a pid in
 * use, even by an unrelated process that reused it, or one we may not signal) is false: the lease decides.
 */
export function ownerIsGoneFromThisMachine(owner: string): boolean {
  const m = /^(.+):(\d+):[0-9a-f]+$/.exec(owner);
  const here = machineTag().comparable;
  if (!m || here === undefined || m[1] !== here) return false;
  const pid = Number(m[2]);
  if (pid === process.pid || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
