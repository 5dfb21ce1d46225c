/**
 * Who answers a number the sandbox dials: one of its own numbers (its VoiceUrl runs), a handset with a
 * script bound to it, a ring-out number that never connects, or any other number: a handset that
 * answers and listens.
 */
import type { SandboxContext } from '../context.js';
import { findOwnedNumber, type NumberRecord } from '../resources/numbers.js';
import { boundScriptFor } from './handsets.js';
import type { HandsetScript } from './script.js';
import { addTimeline, type HasTimeline } from './timeline.js';
import { drawCallFault } from './voice-faults.js';

/** Numbers that ring out: +15559999001 no answer, +15559999002 fails, +15559999003 busy. */
export const RING_OUT: Record<string, 'no-answer' | 'failed' | 'busy'> = {
  '+15559999001': 'no-answer',
  '+15559999002': 'failed',
  '+15559999003': 'busy',
};

/** How long the far end rings before it answers (call time). */
export const RING_MS = 150;

export type FarEnd =
  | { kind: 'ring-out'; status: 'no-answer' | 'failed' | 'busy' }
  | { kind: 'number'; number: NumberRecord }
  | { kind: 'handset'; script?: HandsetScript };

export function farEndOf(ctx: SandboxContext, to: string): FarEnd {
  const ringOut = RING_OUT[to];
  if (ringOut) return { kind: 'ring-out', status: ringOut };
  const number = findOwnedNumber(ctx, to);
  if (number) return { kind: 'number', number };
  return { kind: 'handset', script: boundScriptFor(ctx, to) };
}

/** Who answers `call`, unless a call fault (`--fault call-busy:5%`, ...) is drawn: then it rings out, as the timeline says. */
export function farEndOrFault(ctx: SandboxContext, call: HasTimeline, to: string): FarEnd {
  const fault = drawCallFault(ctx.faults);
  if (!fault) return farEndOf(ctx, to);
  addTimeline(call, 'fault', `call-${fault}: this call ends ${fault} instead of being answered (--fault)`, { fault: `call-${fault}` });
  return { kind: 'ring-out', status: fault };
}
