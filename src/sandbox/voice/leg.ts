/** One call leg as the TwiML interpreter runs it, and what a verb may answer. */
import type { SandboxContext } from '../context.js';
import type { CallRecord } from './call-record.js';
import type { Handset } from './line.js';

/** Where the next TwiML document comes from. */
export type DocSource =
  | { url: string; method: string; params?: Record<string, string>; fallbackUrl?: string | null; fallbackMethod?: string; kind?: string }
  | { twiml: string };

/** What a verb decides: go on with the next verb (undefined), fetch another document, or hang up. */
export type VerbOutcome = DocSource | 'hangup' | undefined;

export interface Leg {
  ctx: SandboxContext;
  call: CallRecord;
  /** The far end: the caller of an inbound call, the called party of an outbound one. */
  line: Handset;
  /** Fires when the current document is cut short (a REST redirect, hang-up, time limit). */
  signal: AbortSignal;
  /** The URL of the document being run: relative URLs resolve against it, Gather/Record post to it by default. */
  docUrl: string | null;
  /** Call time to real time (voiceTimeScale). */
  scale: number;
  /** Answers an inbound call that is still ringing (the first verb that is not <Reject>). */
  answer(): void;
  /** Sets up child legs' cleanup: called when this leg ends. */
  onEnd(fn: () => void): void;
}

export function resolveUrl(leg: Leg, target: string): string {
  return new URL(target, leg.docUrl ?? leg.ctx.baseUrl).toString();
}

export function scaled(leg: Leg, callMs: number): number {
  return callMs * leg.scale;
}
