/**
 * `telephony` as an OpenClaw channel (texts; calls plug in later): its account comes from
 * channels.telephony, the Gateway runs it (gateway-account.ts, loaded only then), pairing is
 * OpenClaw's (`openclaw pairing list|approve telephony`), OpenClaw's sends go through this project's
 * exactly-once sending (outbound.ts, loaded on the first send), and `channels status --probe` runs this
 * project's doctor --probe (status-probe.ts, its checks loaded when asked). This module stays light:
 * OpenClaw evaluates it for discovery and root help.
 */
import { CHANNEL_ID } from './channel-id.js';
import { telephonyDoctor } from './doctor-adapter.js';
import type { ChannelPlugin, OpenClawConfig, PluginRuntime } from './sdk.js';
import { probeTelephonyAccount, telephonyStatusIssues } from './status-probe.js';
import type { WebhookRoutes } from './webhook-routes.js';

export interface TelephonyAccount {
  accountId: string;
  enabled: boolean;
  /** A sender and the public URL Twilio signs for are set (credentials may live in the OS store or the environment). */
  configured: boolean;
  fromNumber?: string;
  publicUrl?: string;
}

const DEFAULT_ACCOUNT = 'default';
const section = (cfg: OpenClawConfig) => (cfg.channels?.[CHANNEL_ID] ?? {}) as { enabled?: unknown; fromNumber?: unknown; publicUrl?: unknown; skipSignatureVerification?: unknown; twilio?: { messagingServiceSid?: unknown } };
const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

export function resolveTelephonyAccount(cfg: OpenClawConfig): TelephonyAccount {
  const s = section(cfg);
  const fromNumber = text(s.fromNumber);
  const publicUrl = text(s.publicUrl);
  const sender = Boolean(fromNumber ?? text(s.twilio?.messagingServiceSid));
  return { accountId: DEFAULT_ACCOUNT, enabled: s.enabled !== false, configured: sender && Boolean(publicUrl || s.skipSignatureVerification === true), fromNumber, publicUrl };
}

/** `openclaw message send --target`: a number, with or without the `telephony:` prefix. */
const looksLikePhone = (raw: string) => /^(telephony:)?\s*\+[1-9][\d\s().-]{6,20}$/i.test(raw.trim());

/**
 * The light part of the channel, which loads nothing heavy: the account, targets, and the doctor's
 * hooks (their checks load when asked). The full channel adds the Gateway, outbound and pairing.
 */
export function createTelephonyChannelCore(): ChannelPlugin<TelephonyAccount> {
  return {
    id: CHANNEL_ID,
    meta: { id: CHANNEL_ID, label: 'Telephony', selectionLabel: 'Telephony (Twilio SMS)', blurb: 'Texts through Twilio, with a local sandbox.', docsPath: 'https://github.com/openclaw/openclaw-telephony#openclaw' },
    capabilities: { chatTypes: ['direct'], media: true },
    config: {
      listAccountIds: () => [DEFAULT_ACCOUNT],
      defaultAccountId: () => DEFAULT_ACCOUNT,
      resolveAccount: (cfg) => resolveTelephonyAccount(cfg),
      isEnabled: (account) => account.enabled,
      isConfigured: (account) => account.configured,
      inspectAccount(cfg) {
        const account = resolveTelephonyAccount(cfg);
        return { enabled: account.enabled, configured: account.configured };
      },
      describeAccount: (account) => ({ accountId: account.accountId, enabled: account.enabled, configured: account.configured }),
    },
    messaging: {
      normalizeTarget: (raw) => (looksLikePhone(raw) ? raw.trim().replace(/^telephony:\s*/i, '').replace(/[\s().-]/g, '') : undefined),
      inferTargetChatType: () => 'direct',
      targetResolver: { looksLikeId: looksLikePhone, hint: '+15551234567' },
    },
    doctor: telephonyDoctor,
  };
}

export function createTelephonyChannel(deps: { runtime(): PluginRuntime; routes: WebhookRoutes }): ChannelPlugin<TelephonyAccount> {
  return {
    ...createTelephonyChannelCore(),
    pairing: {
      idLabel: 'phone number',
      normalizeAllowEntry: (entry) => entry.trim().replace(/^telephony:\s*/i, ''),
      async notifyApproval({ id }) {
        const { sendFromOpenClaw } = await import('./outbound.js');
        await sendFromOpenClaw({ to: id, text: 'You can now text the agent at this number.' });
      },
    },
    gateway: {
      async startAccount(ctx) {
        const { runGatewayAccount } = await import('./gateway-account.js');
        await runGatewayAccount(ctx, deps.runtime(), deps.routes);
      },
    },
    // OpenClaw's durable delivery: declaring it makes OpenClaw hand every queued send its delivery id
    // (the root of our idempotency key, outbound.ts) and ask unknown-send.ts, after a crash, whether
    // the delivery reached Twilio, instead of guessing.
    message: {
      id: CHANNEL_ID,
      durableFinal: {
        capabilities: { text: true, media: true, reconcileUnknownSend: true },
        automaticUnknownSendReconciliation: true,
        reconcileUnknownSendKinds: { text: true, media: true },
        async reconcileUnknownSend(ctx) {
          const { reconcileUnknownSend } = await import('./unknown-send.js');
          return reconcileUnknownSend(ctx);
        },
      },
      send: {
        async text(ctx) {
          const { sendForMessageAdapter } = await import('./outbound.js');
          return sendForMessageAdapter(ctx, 'text');
        },
        async media(ctx) {
          const { sendForMessageAdapter } = await import('./outbound.js');
          return sendForMessageAdapter(ctx, 'media');
        },
      },
    },
    // `channels status --probe`: this project's doctor --probe, run in the Gateway (status-probe.ts).
    status: { probeAccount: ({ cfg }) => probeTelephonyAccount(cfg), collectStatusIssues: telephonyStatusIssues },
    outbound: {
      deliveryMode: 'direct',
      async sendText(ctx) {
        const { sendFromOpenClaw } = await import('./outbound.js');
        return sendFromOpenClaw(ctx);
      },
      // One attachment per call (a URL or a local file), with its caption: sent as one MMS.
      async sendMedia(ctx) {
        const { sendFromOpenClaw } = await import('./outbound.js');
        return sendFromOpenClaw(ctx);
      },
    },
  };
}
