/**
 * node:child_process as commander gets it in the send bundle (scripts/bundle.mjs maps commander's
 * `node:child_process` here for that bundle only): commander requires it at load but calls it only
 * to run a command from a separate executable file, which this CLI never defines. Loaded eagerly,
 * child_process (with dgram, net's process pipes, spawn_sync) was ~3-5 ms of a one-message send on
 * Node 20; here it loads on the first call, and behaves the same if one ever comes.
 */
import type * as ChildProcess from 'node:child_process';

const load = () => require('node:child_process') as typeof ChildProcess;

export const spawn: typeof ChildProcess.spawn = ((...args: Parameters<typeof ChildProcess.spawn>) => load().spawn(...args)) as typeof ChildProcess.spawn;
