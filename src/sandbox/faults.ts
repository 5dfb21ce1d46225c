/**
 * Fault injection for the REST API: `--fault "429:5%,500:2%,reset:1%,latency:200ms"`.
 * HTTP faults answer before the request is handled, so they have no effect (as Twilio's 429s);
 * `reset` handles the request and then drops the connection without an answer, the case where a
 * client cannot know whether its request took effect.
 */
import { UserError } from '../errors.js';

export interface FaultSpec {
  /** HTTP status -> probability (0..1). */
  statuses: { status: number; probability: number }[];
  resetProbability: number;
  latencyMs: number;
}

export const NO_FAULTS: FaultSpec = { statuses: [], resetProbability: 0, latencyMs: 0 };

export function parseFaults(spec: string | undefined): FaultSpec {
  if (!spec) return NO_FAULTS;
  const out: FaultSpec = { statuses: [], resetProbability: 0, latencyMs: 0 };
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d{3}|reset|latency):(\d+(?:\.\d+)?)(%|ms|s)?$/.exec(part);
    const bad = () =>
      new UserError(`--fault: cannot read "${part}"`, { code: 'invalid_fault', hint: 'Use STATUS:PERCENT%, reset:PERCENT% or latency:MILLISECONDSms, e.g. "429:5%,500:2%,latency:200ms".' });
    if (!m) throw bad();
    const [, what, amount, unit] = m;
    if (what === 'latency') {
      if (unit !== 'ms' && unit !== 's') throw bad();
      out.latencyMs = Number(amount) * (unit === 's' ? 1000 : 1);
    } else {
      if (unit !== '%' || Number(amount) > 100) throw bad();
      if (what === 'reset') out.resetProbability = Number(amount) / 100;
      else out.statuses.push({ status: Number(what), probability: Number(amount) / 100 });
    }
  }
  return out;
}

/** The status to answer with instead of handling the request, if a fault is drawn. */
export function drawStatusFault(spec: FaultSpec, random = Math.random): number | undefined {
  let r = random();
  for (const { status, probability } of spec.statuses) {
    if (r < probability) return status;
    r -= probability;
  }
  return undefined;
}
