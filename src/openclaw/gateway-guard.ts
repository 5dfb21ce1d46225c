/** What the Gateway channel refuses before it starts (kept apart from the SDK imports, so tests can load it). */
import { ConfigError } from '../errors.js';

/**
 * Unsigned webhooks are a loopback-only development aid for `serve`, which checks its own bind. In
 * the Gateway the listener is OpenClaw's (it may face the LAN or a Funnel), so nothing here could
 * confine them: the setting is refused.
 */
export function refuseUnsignedInGateway(skip: boolean): void {
  if (!skip) return;
  throw new ConfigError(
    'skipSignatureVerification is refused inside the OpenClaw Gateway: its webhook routes are on the Gateway\'s listener, which may be reachable beyond this machine, so anyone could post texts as any sender.',
    'Remove skipSignatureVerification from channels.telephony (or unset OPENCLAW_TELEPHONY_SKIP_SIGNATURE_VERIFICATION) and set publicUrl to the URL Twilio posts to; to try without signatures, run `openclaw-telephony serve --sandbox` on loopback instead.',
    'gateway_unsigned_webhooks',
  );
}
