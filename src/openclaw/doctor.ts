/**
 * What `openclaw doctor` says about channels.telephony (the channel's doctor hook): the section
 * checked against this project's schema, and the two things without which the Gateway cannot run the
 * channel (a sender, and the public URL Twilio signs for). Secrets are not read here.
 */
import { validateTelephony } from '../config/validate.js';
import { commandPrefix } from '../command-prefix.js';
import { resolveTelephonyAccount } from './channel.js';
import { CHANNEL_ID } from './channel-id.js';
import type { OpenClawConfig } from './sdk.js';

export function telephonyDoctorWarnings(cfg: OpenClawConfig): string[] {
  const raw = cfg.channels?.[CHANNEL_ID];
  if (raw === undefined) return [];
  const key = (path: string) => `channels.${CHANNEL_ID}${path ? `.${path}` : ''}`;
  const warnings = validateTelephony(raw).map((p) => `${key(p.path)}: ${p.message}${p.hint ? ` ${p.hint}` : ''}`);
  const account = resolveTelephonyAccount(cfg);
  if (!account.enabled) return warnings;
  const s = raw as { fromNumber?: unknown; twilio?: { messagingServiceSid?: unknown }; skipSignatureVerification?: unknown };
  if (!s.fromNumber && !s.twilio?.messagingServiceSid) warnings.push(`${key('fromNumber')} is not set (nor twilio.messagingServiceSid): the telephony channel has no sender, so the Gateway does not start it. Set the Twilio number, e.g. "+15551234567".`);
  if (!account.publicUrl && s.skipSignatureVerification !== true) {
    warnings.push(`${key('publicUrl')} is not set: the Gateway cannot verify Twilio's signatures, so it does not start the telephony channel. Set it to the Gateway's public URL (https://gateway.example.com), then point the number at it: \`${commandPrefix()} numbers configure +15551234567 --to-serve\`.`);
  }
  return warnings;
}
