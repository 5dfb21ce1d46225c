/**
 * Inside OpenClaw's Gateway, pairing codes come from OpenClaw's pairing store (the PairingHost) and its
 * approvals admit senders, while this project's caps still decide first: a capped stranger makes
 * OpenClaw issue nothing. (The real OpenClaw store is exercised in test/openclaw/gateway-channel.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { createInboundPolicy, type PairingHost } from '../../src/server/inbound-policy.js';
import { openStore } from '../../src/store/open-store.js';
import { listRequests } from '../../src/store/pairing.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

/** OpenClaw's documented behaviour: one pending code per sender (created: false on a repeat), approvals by id. */
function pairingStore(codes: string[]) {
  const pending = new Map<string, string>();
  const approved = new Set<string>();
  const issued: string[] = [];
  const host: PairingHost = {
    isApproved: async (from) => approved.has(from),
    async issueCode(from) {
      issued.push(from);
      const existing = pending.get(from);
      if (existing) return { code: existing, created: false };
      const code = codes.shift() ?? '';
      if (code) pending.set(from, code);
      return { code, created: Boolean(code) };
    },
  };
  return { host, pending, approved, issued };
}

async function policyWith(url: string, host: PairingHost, maxCodesPerHour = 10) {
  const store = await openStore(url);
  const { config } = await resolveConfig({ env: { XDG_CONFIG_HOME: '/nonexistent', OPENCLAW_TELEPHONY_INBOUND_POLICY: 'pairing', OPENCLAW_TELEPHONY_PAIRING_MAX_CODES_PER_HOUR: String(maxCodesPerHour) }, cwd: '/' });
  return { store, policy: createInboundPolicy(store, config, host) };
}

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`pairing through OpenClaw's store, on ${kind.name}`, () => {
    it("texts OpenClaw's code, keeps it in this store too, and admits whom OpenClaw approved", async () => {
      const openclaw = pairingStore(['QWERTY34']);
      const { store, policy } = await policyWith(await kind.url(), openclaw.host);
      expect(await policy.decideInbound('+15550006001', 'sms')).toEqual({ kind: 'pairing-code', code: 'QWERTY34', text: expect.stringContaining('QWERTY34') });
      expect((await listRequests(store, new Date())).map((r) => [r.code, r.phone])).toEqual([['QWERTY34', '+15550006001']]);
      // The same stranger again: no second code, from either side.
      expect(await policy.decideInbound('+15550006001', 'sms')).toEqual({ kind: 'ignore', reason: 'code-already-sent' });
      openclaw.approved.add('+15550006001');
      expect(await policy.decideInbound('+15550006001', 'sms')).toEqual({ kind: 'agent' });
      await store.close();
    });

    it('a code OpenClaw already issued is not texted again, and OpenClaw at its own cap issues none', async () => {
      const openclaw = pairingStore([]);
      openclaw.pending.set('+15550006002', 'ALREADY7');
      const { store, policy } = await policyWith(await kind.url(), openclaw.host);
      expect(await policy.decideInbound('+15550006002', 'sms')).toEqual({ kind: 'ignore', reason: 'code-already-sent' });
      expect(await policy.decideInbound('+15550006003', 'sms')).toEqual({ kind: 'ignore', reason: 'stranger-cap' });
      expect(await listRequests(store, new Date())).toEqual([]);
      await store.close();
    });

    it("this project's hourly cap on strangers holds before OpenClaw is asked", async () => {
      const openclaw = pairingStore(['AAAAAAA3', 'CCCCCCC4']);
      const { store, policy } = await policyWith(await kind.url(), openclaw.host, 1);
      expect((await policy.decideInbound('+15550006004', 'sms')).kind).toBe('pairing-code');
      expect(await policy.decideInbound('+15550006005', 'sms')).toEqual({ kind: 'ignore', reason: 'stranger-cap' });
      expect(openclaw.issued).toEqual(['+15550006004']);
      await store.close();
    });
  });
}
