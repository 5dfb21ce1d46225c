/**
 * Inside OpenClaw's Gateway the channel refuses skipSignatureVerification: the webhook routes are on
 * the Gateway's listener, which serve cannot confine to loopback (gateway-account.ts asks this before
 * anything is mounted). The whole Gateway runs in test/openclaw (Node 24 and the real OpenClaw).
 */
import { describe, expect, it } from 'vitest';
import { refuseUnsignedInGateway } from '../../src/openclaw/gateway-guard.js';

describe('the Gateway channel and unsigned webhooks', () => {
  it('refuses skipSignatureVerification with the reason and the fix', () => {
    expect(() => refuseUnsignedInGateway(true)).toThrow(expect.objectContaining({ code: 'gateway_unsigned_webhooks', exitCode: 3, message: expect.stringContaining('skipSignatureVerification is refused inside the OpenClaw Gateway'), hint: expect.stringContaining('set publicUrl') }));
    expect(() => refuseUnsignedInGateway(false)).not.toThrow();
  });
});
