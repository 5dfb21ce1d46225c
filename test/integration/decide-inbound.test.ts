/** decideInbound: one decision for texts and calls, on both stores; the strangers' cap holds under concurrency. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { type Channel, createInboundPolicy, type InboundDecision } from '../../src/server/inbound-policy.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { addOptOut } from '../../src/store/optouts.js';
import { allow } from '../../src/store/pairing.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const KNOWN = '+15550001111'; // in allowFrom
const APPROVED = '+15550002222'; // on the allowlist
const STRANGER = '+15550003333';
const OPTED_OUT = '+15550004444'; // approved, then texted STOP

async function policyFor(store: Store, env: Record<string, string>) {
  const { config } = await resolveConfig({ env: { XDG_CONFIG_HOME: '/nonexistent', OPENCLAW_TELEPHONY_ALLOW_FROM: env.OPENCLAW_TELEPHONY_INBOUND_POLICY === 'open' ? `${KNOWN},*` : KNOWN, ...env }, cwd: '/' });
  return createInboundPolicy(store, config);
}

const agent = { kind: 'agent' } as const;
const ignore = (reason: string) => ({ kind: 'ignore', reason });
const code = { kind: 'pairing-code', code: expect.stringMatching(/^[A-Z0-9]{8}$/), text: expect.stringContaining('pairing code') };

// policy, from, what a text gets, what a call gets
const table: [string, string, unknown, unknown][] = [
  ['open', STRANGER, agent, agent],
  ['open', "+1555' OR '1'='1", ignore('not-a-phone-number'), ignore('not-a-phone-number')],
  ['open', '', ignore('not-a-phone-number'), ignore('not-a-phone-number')],
  ['open', '+1555\u0007', ignore('not-a-phone-number'), ignore('not-a-phone-number')],
  ['disabled', KNOWN, ignore('disabled'), ignore('disabled')],
  ['allowlist', KNOWN, agent, agent],
  ['allowlist', APPROVED, agent, agent],
  ['allowlist', STRANGER, ignore('not-allowed'), ignore('not-allowed')],
  ['allowlist', OPTED_OUT, ignore('opted-out'), agent],
  ['pairing', APPROVED, agent, agent],
  ['pairing', OPTED_OUT, ignore('opted-out'), agent],
  ['pairing', STRANGER, code, ignore('code-already-sent')],
];

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`decideInbound on ${kind.name}`, () => {
    it('decides the same way for texts and calls, except that opt-outs are about texts', async () => {
      const store = await openStore(await kind.url());
      await allow(store, APPROVED, 'test');
      await allow(store, OPTED_OUT, 'test');
      await addOptOut(store, OPTED_OUT, 'sms-stop');
      for (const [policyName, from, sms, voice] of table) {
        const policy = await policyFor(store, { OPENCLAW_TELEPHONY_INBOUND_POLICY: policyName });
        const decided: Record<Channel, InboundDecision> = { sms: await policy.decideInbound(from, 'sms'), voice: await policy.decideInbound(from, 'voice') };
        expect(decided, `${policyName} ${JSON.stringify(from)}`).toEqual({ sms, voice });
      }
      await store.close();
    });

    it('40 strangers at once never get more codes than the cap of 20', async () => {
      const store = await openStore(await kind.url());
      const policy = await policyFor(store, { OPENCLAW_TELEPHONY_INBOUND_POLICY: 'pairing', OPENCLAW_TELEPHONY_PAIRING_MAX_CODES_PER_HOUR: '20', OPENCLAW_TELEPHONY_PAIRING_MAX_PENDING: '100' });
      const strangers = Array.from({ length: 40 }, (_, i) => `+1555100${String(i).padStart(4, '0')}`);
      const decisions = await Promise.all(strangers.map((from) => policy.decideInbound(from, 'sms')));
      expect(decisions.filter((d) => d.kind === 'pairing-code')).toHaveLength(20);
      expect(decisions.filter((d) => d.kind === 'ignore' && d.reason === 'stranger-cap')).toHaveLength(20);
      const rows = await store.db.selectFrom('pairing_requests').select('code').execute();
      expect(rows).toHaveLength(20);
      // HELP from more strangers is within the same budget, which is spent.
      expect(await Promise.all(strangers.slice(0, 5).map((from) => policy.mayAnswerHelp(from.replace('+1555100', '+1555200'))))).toEqual([false, false, false, false, false]);
      await store.close();
    });
  });
}
