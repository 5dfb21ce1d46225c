/** The telephony channel object OpenClaw reads: its account from channels.telephony, and its targets. */
import { describe, expect, it } from 'vitest';
import { createTelephonyChannel, resolveTelephonyAccount } from '../../src/openclaw/channel.js';
import { normalizeTarget } from '../../src/openclaw/outbound.js';
import { createWebhookRoutes } from '../../src/openclaw/webhook-routes.js';

const channel = createTelephonyChannel({ routes: createWebhookRoutes(), runtime: () => ({ channel: {} }) as never });

describe('the telephony channel', () => {
  it('is configured with a sender and the public URL Twilio signs for; enabled unless enabled: false', () => {
    expect(resolveTelephonyAccount({})).toMatchObject({ accountId: 'default', enabled: true, configured: false });
    expect(resolveTelephonyAccount({ channels: { telephony: { fromNumber: '+15551230000' } } }).configured).toBe(false);
    expect(resolveTelephonyAccount({ channels: { telephony: { fromNumber: '+15551230000', publicUrl: 'https://gw.example.com' } } })).toMatchObject({ configured: true, publicUrl: 'https://gw.example.com' });
    expect(resolveTelephonyAccount({ channels: { telephony: { twilio: { messagingServiceSid: 'MG123' }, publicUrl: 'https://gw.example.com', enabled: false } } })).toMatchObject({ configured: true, enabled: false });
    expect(channel.config.listAccountIds({})).toEqual(['default']);
  });

  it('takes numbers as targets, with or without the telephony: prefix, and nothing else', () => {
    expect(channel.messaging!.normalizeTarget!('telephony:+1 (555) 123-0000')).toBe('+15551230000');
    expect(normalizeTarget('+15551230000')).toBe('+15551230000');
    expect(normalizeTarget('telephony:+15551230000')).toBe('+15551230000');
    for (const bad of ['5551230000', 'alice', '+0123456789', 'telephony:', '+1555\u0007123']) {
      expect(normalizeTarget(bad), bad).toBeUndefined();
      expect(channel.messaging!.targetResolver!.looksLikeId!(bad), bad).toBe(false);
    }
  });
});
