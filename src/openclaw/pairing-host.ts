/**
 * OpenClaw's DM pairing store as the channel's pairing: a stranger's code is issued by OpenClaw
 * (so `openclaw pairing list telephony` shows it and `openclaw pairing approve telephony CODE` admits
 * the sender), within this project's caps (strangers per hour, pending codes), and kept in this
 * project's store as well, where the dashboard and `openclaw telephony pairing` see it.
 */
import type { PairingHost } from '../server/inbound-policy.js';
import { CHANNEL_ID } from './channel-id.js';
import type { PairingRuntime } from './sdk.js';

/** An allowlist entry as OpenClaw may store it (`telephony:+1555…` or `+1555…`) back to the number. */
export const phoneOfEntry = (entry: string) => entry.trim().replace(/^telephony:/i, '');

export function createOpenClawPairingHost(pairing: PairingRuntime, accountId: string): PairingHost {
  return {
    async isApproved(from) {
      const entries = await pairing.readAllowFromStore({ channel: CHANNEL_ID, accountId });
      return entries.some((entry) => phoneOfEntry(entry) === from);
    },
    issueCode: (from) => pairing.upsertPairingRequest({ channel: CHANNEL_ID, accountId, id: from, meta: { phone: from } }),
  };
}
