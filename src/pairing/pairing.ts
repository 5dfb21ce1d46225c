/**
 * Pairing: an unknown sender gets one code by SMS (8 uppercase letters and digits from an alphabet
 * without look-alikes, as OpenClaw issues them), valid for an hour; at most `pairing.maxPending` (3)
 * requests wait at once; at most one code per sender per validity period and a global cap
 * per hour (shared with automatic answers such as HELP), so strangers cannot make the number send many texts. The operator approves the code and
 * the sender joins the allowlist.
 */
import { randomInt } from 'node:crypto';
import { UserError } from '../errors.js';
import type { Store } from '../store/open-store.js';
import { activeRequest, approveRequest, pendingRequests, createRequest, decideRequest, findRequest, lastAutoReply, type PairingRow, recordAutoReply, strangerRepliesSince, withStrangerBudget } from '../store/pairing.js';
import { commandPrefix } from '../command-prefix.js';

// No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read off a phone and typed.
export const CODE_ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679';
export const CODE_LENGTH = 8;

export function newPairingCode(): string {
  return Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
}

export interface PairingLimits {
  codeTtlMinutes: number;
  maxCodesPerHour: number;
  /** @default 3 (OpenClaw's cap) */
  maxPending?: number;
}

export type PairingDecision = { kind: 'send-code'; code: string; text: string } | { kind: 'already-sent'; code: string } | { kind: 'capped' };

/** Who makes the code: this module, or OpenClaw's pairing store inside its Gateway (created: false when the sender already has one there). */
export type IssuePairingCode = (phone: string) => Promise<{ code: string; created: boolean }>;

const issueOwnCode: IssuePairingCode = async () => ({ code: newPairingCode(), created: true });

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * What to do with a message from a sender who is not allowed yet. The check of the hourly cap and the
 * new code are one step (see withStrangerBudget), so concurrent strangers never pass the cap.
 */
export function requestPairing(store: Store, phone: string, limits: PairingLimits, now = new Date(), issue: IssuePairingCode = issueOwnCode): Promise<PairingDecision> {
  return withStrangerBudget(store, async (trx) => {
    const active = await activeRequest(trx, phone, now);
    if (active) return { kind: 'already-sent', code: active.code };
    if ((await strangerRepliesSince(trx, new Date(now.getTime() - HOUR_MS))) >= limits.maxCodesPerHour) return { kind: 'capped' };
    if ((await pendingRequests(trx, now)) >= (limits.maxPending ?? 3)) return { kind: 'capped' };
    const { code, created } = await issue(phone);
    // OpenClaw answers no code when its own cap of pending requests is reached.
    if (!code) return { kind: 'capped' };
    if (!created) return { kind: 'already-sent', code };
    await createRequest(trx, { code, phone, created_at: now.toISOString(), expires_at: new Date(now.getTime() + limits.codeTtlMinutes * 60_000).toISOString() });
    return { kind: 'send-code', code, text: `Your pairing code is ${code}. Ask the operator to approve it; it is valid for ${limits.codeTtlMinutes} minutes.` };
  });
}

export type AutoReplyDecision = 'answer' | 'answered-today' | 'capped';

/**
 * Whether to answer HELP (or another automatic text) now: once per sender per day, and for a stranger
 * only within the same hourly cap as pairing codes, so HELP cannot be used to make the number send
 * texts to many numbers. Answering is recorded in the same step as the decision.
 */
export function claimAutoReply(store: Store, phone: string, kind: string, o: { stranger: boolean; maxPerHour: number }, now = new Date()): Promise<AutoReplyDecision> {
  return withStrangerBudget(store, async (trx) => {
    if (await lastAutoReply(trx, phone, kind, new Date(now.getTime() - DAY_MS))) return 'answered-today';
    if (o.stranger && (await strangerRepliesSince(trx, new Date(now.getTime() - HOUR_MS))) >= o.maxPerHour) return 'capped';
    await recordAutoReply(trx, { phone, kind, stranger: o.stranger, at: now });
    return 'answer';
  });
}

/**
 * Lets the code's sender in. The approval and the allowlist entry are one transaction that only a
 * pending code passes: when a reject (on another instance, another terminal) wins the race after the
 * checks below, the code stays rejected, the sender stays out, and this says so.
 */
export async function approvePairing(store: Store, code: string, now = new Date()): Promise<string> {
  const request = await pendingRequest(store, code, now);
  if (await approveRequest(store, request.code, now)) return request.phone;
  // Decided in the meantime: say what won (an approval elsewhere already let the sender in).
  await pendingRequest(store, code, now);
  throw new Error(`Pairing code ${request.code} was neither approved nor found decided.`);
}

/** The code while it is pending and valid; otherwise the error that says why not. */
async function pendingRequest(store: Store, code: string, now: Date): Promise<PairingRow> {
  const request = await findRequest(store, code);
  if (!request) throw new UserError(`No pairing code ${code.toUpperCase()}.`, { code: 'pairing_not_found', hint: '`' + commandPrefix() + ' pairing list` shows the pending codes.' });
  if (request.status !== 'pending') throw new UserError(`Pairing code ${request.code} is already ${request.status}.`, { code: 'pairing_decided' });
  if (request.expires_at <= now.toISOString()) throw new UserError(`Pairing code ${request.code} has expired.`, { code: 'pairing_expired', hint: 'The sender gets a new code with their next text.' });
  return request;
}

export async function rejectPairing(store: Store, code: string): Promise<string> {
  const request = await findRequest(store, code);
  if (request && (await decideRequest(store, code, 'rejected'))) return request.phone;
  // Approved by someone else first: say so rather than "not found".
  if (request && request.status === 'pending') await pendingRequest(store, code, new Date());
  throw new UserError(`No pending pairing code ${code.toUpperCase()}.`, { code: 'pairing_not_found', hint: '`' + commandPrefix() + ' pairing list` shows the pending codes.' });
}
