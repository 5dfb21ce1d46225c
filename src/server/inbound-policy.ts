/**
 * Who may reach the agent, decided once for texts and calls alike: a sender that is not a phone
 * number, the policy (disabled, allowlist, pairing, open), the allowlist, opt-outs (texts), and the
 * pairing code with its caps for strangers. The routes turn the decision into TwiML.
 */
import type { ResolvedConfig } from '../config/resolve.js';
import { claimAutoReply, type IssuePairingCode, requestPairing } from '../pairing/pairing.js';
import type { Store } from '../store/open-store.js';
import { isOptedOut } from '../store/optouts.js';
import { isAllowed } from '../store/pairing.js';

export type Channel = 'sms' | 'voice';

export type InboundDecision =
  /** The sender may talk to the agent. */
  | { kind: 'agent' }
  /** A stranger under the pairing policy: tell them this new code (by text, or spoken on a call). */
  | { kind: 'pairing-code'; code: string; text: string }
  /** Store what came, answer nothing. */
  | { kind: 'ignore'; reason: IgnoreReason };

export type IgnoreReason = 'not-a-phone-number' | 'disabled' | 'not-allowed' | 'opted-out' | 'code-already-sent' | 'stranger-cap';

/** E.164: what Twilio puts in From for a phone. Anything else (SQL, control characters, empty) gets no text from us. */
export const isPhoneNumber = (from: string) => /^\+[1-9]\d{6,14}$/.test(from);

export interface InboundPolicy {
  decideInbound(from: string, channel: Channel): Promise<InboundDecision>;
  /** Whether to answer HELP from `from` now: never under "disabled", once a day, strangers within the hourly cap. */
  mayAnswerHelp(from: string): Promise<boolean>;
}

/**
 * Inside OpenClaw's Gateway, pairing is OpenClaw's too: its codes (`openclaw pairing list`) and its
 * approvals (`openclaw pairing approve`) admit a sender, besides this store's allowlist.
 */
export interface PairingHost {
  isApproved(from: string): Promise<boolean>;
  issueCode: IssuePairingCode;
}

export function createInboundPolicy(store: Store, config: Pick<ResolvedConfig, 'inboundPolicy' | 'allowFrom' | 'pairing'>, host?: PairingHost): InboundPolicy {
  const policy = config.inboundPolicy;
  const approved = async (from: string) => (await isAllowed(store, from)) || (host !== undefined && (await host.isApproved(from)));
  const known = async (from: string) => policy === 'open' || config.allowFrom.includes(from) || ((policy === 'allowlist' || policy === 'pairing') && (await approved(from)));
  return {
    async decideInbound(from, channel) {
      if (!isPhoneNumber(from)) return { kind: 'ignore', reason: 'not-a-phone-number' };
      if (policy === 'disabled') return { kind: 'ignore', reason: 'disabled' };
      // STOP is about texts: an opted-out sender gets no text at all (not even a pairing code), but may still call.
      if (channel === 'sms' && (await isOptedOut(store, from))) return { kind: 'ignore', reason: 'opted-out' };
      if (await known(from)) return { kind: 'agent' };
      if (policy !== 'pairing') return { kind: 'ignore', reason: 'not-allowed' };
      const pairing = await requestPairing(store, from, config.pairing, new Date(), host?.issueCode);
      if (pairing.kind === 'send-code') return { kind: 'pairing-code', code: pairing.code, text: pairing.text };
      return { kind: 'ignore', reason: pairing.kind === 'capped' ? 'stranger-cap' : 'code-already-sent' };
    },
    async mayAnswerHelp(from) {
      if (!isPhoneNumber(from) || policy === 'disabled') return false;
      const stranger = !(await known(from));
      return (await claimAutoReply(store, from, 'help', { stranger, maxPerHour: config.pairing.maxCodesPerHour })) === 'answer';
    },
  };
}
