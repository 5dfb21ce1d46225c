/**
 * Fault injection: `--fault "429:5%,500:2%,reset:1%,latency:200ms"` for the REST API.
 * Twilio error codes (five digits) fail messages as Twilio would: `30034:10%` fails a tenth of the
 * messages, `30034@+15550007777` every message to that recipient. Codes 21xxx are refused by the API
 * at once (400); the others are accepted and fail later, with a `failed` or `undelivered` status callback.
 * HTTP faults answer before the request is handled, so they have no effect (as Twilio's 429s);
 * `reset` handles the request and then drops the connection without an answer, the case where a
 * client cannot know whether its request took effect. `listlag:30s` keeps each message out of the
 * Messages list for that long after it was created (Twilio's list lags behind its answers). Voice faults (calls, TwiML fetches, media
 * streams) are read by voice-faults.ts.
 */
import { UserError } from '../errors.js';
import { readVoiceFault, VOICE_FAULTS_HINT, type VoiceFaults } from './voice/voice-faults.js';

export interface FaultSpec extends VoiceFaults {
  /** HTTP status -> probability (0..1). */
  statuses: { status: number; probability: number }[];
  resetProbability: number;
  latencyMs: number;
  /** How long a new message stays out of the Messages list. */
  listLagMs?: number;
  /** Twilio error code -> probability (0..1) per message. */
  errorCodes?: { code: number; probability: number }[];
  /** Recipient (E.164) -> the Twilio error code every message to it fails with. */
  recipientCodes?: Record<string, number>;
}

export const NO_FAULTS: FaultSpec = { statuses: [], resetProbability: 0, latencyMs: 0 };

/** Twilio's wording for the error codes a fault can inject (its error dictionary). */
export const MESSAGE_FAULTS: Record<number, { message: string; status?: 'failed' | 'undelivered' }> = {
  21608: { message: 'The number is unverified. Trial accounts cannot send messages to unverified numbers.' },
  21610: { message: 'Attempt to send to unsubscribed recipient' },
  21612: { message: "The 'To' phone number is not currently reachable via SMS." },
  21614: { message: "'To' number is not a valid mobile number" },
  30003: { message: 'Unreachable destination handset', status: 'undelivered' },
  30005: { message: 'Unknown destination handset', status: 'undelivered' },
  30006: { message: 'Landline or unreachable carrier', status: 'undelivered' },
  30007: { message: 'Message filtered', status: 'undelivered' },
  30008: { message: 'Unknown error', status: 'undelivered' },
  30022: { message: 'US A2P 10DLC - Rate Limits Exceeded', status: 'undelivered' },
  30023: { message: 'US A2P 10DLC - Daily Message Cap Reached', status: 'undelivered' },
  30027: { message: 'US A2P 10DLC - T-Mobile Daily Message Limit Reached', status: 'undelivered' },
  30032: { message: 'Toll-Free Number Has Not Been Verified', status: 'undelivered' },
  30034: { message: 'US A2P 10DLC - Message from an Unregistered Number', status: 'failed' },
  30035: { message: 'US A2P 10DLC - Number registration in progress', status: 'failed' },
  30893: { message: 'Campaign rejected: sample messages do not match the use case', status: 'failed' },
  30909: { message: 'Campaign rejected: call to action cannot be verified', status: 'failed' },
  30923: { message: 'Campaign rejected: consent bundled with the terms of service', status: 'failed' },
};

const FAULT_CODES_HINT = `Twilio error codes the sandbox can inject: ${Object.keys(MESSAGE_FAULTS).join(', ')}.`;

export function parseFaults(spec: string | undefined): FaultSpec {
  if (!spec) return NO_FAULTS;
  const out: FaultSpec = { statuses: [], resetProbability: 0, latencyMs: 0 };
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (/^\d{5}[:@]/.test(part)) {
      addCodeFault(out, part);
      continue;
    }
    if (readVoiceFault(out, part)) continue;
    const m = /^(\d{3}|reset|latency|listlag):(\d+(?:\.\d+)?)(%|ms|s)?$/.exec(part);
    const bad = () =>
      new UserError(`--fault: cannot read "${part}"`, { code: 'invalid_fault', hint: `Use STATUS:PERCENT%, reset:PERCENT%, latency:MILLISECONDSms or listlag:SECONDSs, e.g. "429:5%,500:2%,latency:200ms". ${VOICE_FAULTS_HINT}` });
    if (!m) throw bad();
    const [, what, amount, unit] = m;
    if (what === 'latency' || what === 'listlag') {
      if (unit !== 'ms' && unit !== 's') throw bad();
      out[what === 'latency' ? 'latencyMs' : 'listLagMs'] = Number(amount) * (unit === 's' ? 1000 : 1);
    } else {
      if (unit !== '%' || Number(amount) > 100) throw bad();
      if (what === 'reset') out.resetProbability = Number(amount) / 100;
      else out.statuses.push({ status: Number(what), probability: Number(amount) / 100 });
    }
  }
  return out;
}

function addCodeFault(out: FaultSpec, part: string): void {
  const m = /^(\d{5})(?::(\d+(?:\.\d+)?)%|@(\+[1-9]\d{7,14}))$/.exec(part);
  const code = Number(m?.[1]);
  if (!m || !MESSAGE_FAULTS[code] || Number(m[2] ?? 0) > 100) {
    throw new UserError(`--fault: cannot read "${part}"`, { code: 'invalid_fault', hint: `Use CODE:PERCENT% or CODE@+E164, e.g. "30034:10%" or "30007@+15550007777". ${FAULT_CODES_HINT}` });
  }
  if (m[3]) out.recipientCodes = { ...out.recipientCodes, [m[3]]: code };
  else out.errorCodes = [...(out.errorCodes ?? []), { code, probability: Number(m[2]) / 100 }];
}

/** The Twilio error code a message to `to` fails with, if a fault is drawn. */
export function drawMessageFault(spec: FaultSpec, to: string, random = Math.random): number | undefined {
  const fixed = spec.recipientCodes?.[to];
  if (fixed) return fixed;
  let r = random();
  for (const { code, probability } of spec.errorCodes ?? []) {
    if (r < probability) return code;
    r -= probability;
  }
  return undefined;
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
