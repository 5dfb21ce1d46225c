/** Calls that are running right now (in memory only: a restarted sandbox ends them), per sandbox. */
import type { SandboxContext } from '../context.js';
import type { CallRecord } from './call-record.js';
import type { DocSource } from './leg.js';
import type { Handset } from './line.js';

export interface LiveCall {
  call: CallRecord;
  line: Handset;
  /** Cuts the document being run; replaced for each document. */
  current: AbortController;
  /** Set by a REST update (Twiml/Url) just before `current` is aborted with "redirect". */
  redirectTo: DocSource | null;
  /** Settles when the leg has ended. */
  done: Promise<void>;
  /** Ends the call from outside (REST Status=completed, the caller's side, shutdown). */
  hangup(reason: string): void;
}

const registries = new WeakMap<SandboxContext, Map<string, LiveCall>>();

export function liveCalls(ctx: SandboxContext): Map<string, LiveCall> {
  let map = registries.get(ctx);
  if (!map) registries.set(ctx, (map = new Map()));
  return map;
}
