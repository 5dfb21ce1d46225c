/** The inbound path behind verification and dedup: policies, pairing limits, and the command agent. */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agent/agent.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { createMetrics } from '../../src/server/metrics.js';
import { handleInboundSms, type InboundDeps } from '../../src/server/inbound-sms.js';
import { createInboundLimits } from '../../src/server/inbound-limits.js';
import { createInboundPolicy } from '../../src/server/inbound-policy.js';
import { createSessionRegistry } from '../../src/server/sessions.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { allow } from '../../src/store/pairing.js';
import { sqliteUrl } from '../helpers/stores.js';

const stores: Store[] = [];
afterEach(async () => {
  while (stores.length) await stores.pop()!.close();
});

async function setup(env: Record<string, string>, agentCommand?: string) {
  const { config } = await resolveConfig({ env: { XDG_CONFIG_HOME: '/nonexistent', ...env }, cwd: '/' });
  const store = await openStore(sqliteUrl());
  stores.push(store);
  const turns: string[] = [];
  const agent = agentCommand ? createAgent({ kind: 'command', command: agentCommand, timeoutMs: 10_000 }) : { kind: 'test', turn: async (t: { text: string }) => (turns.push(t.text), `re: ${t.text}`) };
  const metrics = createMetrics();
  const limits = createInboundLimits(config.serve.inboundLimits, { metrics, emit: () => {} });
  const deps: InboundDeps = { store, agent, config, policy: createInboundPolicy(store, config), sessions: createSessionRegistry(50), metrics, limits, sendReply: async () => {}, background: () => {}, emit: () => {} };
  let n = 0;
  const text = (from: string, body: string) => handleInboundSms({ AccountSid: 'AC1', MessageSid: `SM${String(++n).padStart(32, '0')}`, From: from, To: '+15550002222', Body: body }, deps);
  return { store, turns, text };
}

describe('inbound policy', () => {
  it('disabled: stores the message and answers nothing', async () => {
    const { store, turns, text } = await setup({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'disabled' });
    const a = await text('+15550001111', 'anyone?');
    expect(a.body).not.toContain('<Message>');
    expect(turns).toEqual([]);
    expect((await store.db.selectFrom('messages').selectAll().execute()).map((m) => m.body)).toEqual(['anyone?']);
  });

  it('allowlist: allowFrom and approved numbers reach the agent, others do not', async () => {
    const { store, turns, text } = await setup({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'allowlist', OPENCLAW_TELEPHONY_ALLOW_FROM: '+15550001111' });
    expect((await text('+15550001111', 'from config')).body).toContain('re: from config');
    expect((await text('+15550009999', 'stranger')).body).not.toContain('<Message>');
    await allow(store, '+15550009999', 'test');
    expect((await text('+15550009999', 'now allowed')).body).toContain('re: now allowed');
    expect(turns).toEqual(['from config', 'now allowed']);
  });

  it('pairing: one code per sender, and a global cap per hour against SMS pumping', async () => {
    const { turns, text } = await setup({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'pairing', OPENCLAW_TELEPHONY_PAIRING_MAX_CODES_PER_HOUR: '2' });
    const first = await text('+15550000001', 'hi');
    expect(first.body).toMatch(/pairing code is [ACDEFGHJKMNPQRTUVWXY34679]{8}/);
    expect((await text('+15550000001', 'hi again')).body).not.toContain('<Message>');
    expect((await text('+15550000002', 'hi')).body).toContain('pairing code');
    expect((await text('+15550000003', 'hi')).body).not.toContain('<Message>'); // over the hourly cap
    expect(turns).toEqual([]);
  });

  it('HELP: answered once per sender per day, never under "disabled", strangers within the hourly cap', async () => {
    const helps = async (env: Record<string, string>, senders: string[]) => {
      const { text } = await setup(env);
      let answered = 0;
      for (const from of senders) if ((await text(from, 'HELP')).body.includes('<Message>')) answered++;
      return answered;
    };
    const twenty = Array.from({ length: 20 }, (_, i) => `+1555000${String(i).padStart(4, '0')}`);
    expect(await helps({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'disabled' }, twenty)).toBe(0);
    expect(await helps({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open', OPENCLAW_TELEPHONY_ALLOW_FROM: '*' }, Array(5).fill('+15550001111'))).toBe(1);
    expect(await helps({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'pairing', OPENCLAW_TELEPHONY_PAIRING_MAX_CODES_PER_HOUR: '5' }, twenty)).toBe(5);
    // Codes and HELP answers share the strangers' budget.
    const { text } = await setup({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'pairing', OPENCLAW_TELEPHONY_PAIRING_MAX_CODES_PER_HOUR: '2' });
    expect((await text('+15550000001', 'HELP')).body).toContain('<Message>');
    expect((await text('+15550000002', 'hi')).body).toContain('pairing code');
    expect((await text('+15550000003', 'hi')).body).not.toContain('<Message>');
  });

  it('a From that is not a phone number: the text is stored, nothing is sent and the agent is not asked', async () => {
    const { store, turns, text } = await setup({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open', OPENCLAW_TELEPHONY_ALLOW_FROM: '*' });
    for (const from of ["+1555' OR '1'='1", '', '+1555\u001b[31m0001111', 'HELP']) {
      expect((await text(from, 'HELP')).body).not.toContain('<Message>');
      expect((await text(from, 'hello')).body).not.toContain('<Message>');
    }
    expect(turns).toEqual([]);
    expect(await store.db.selectFrom('messages').select('from_number').where('from_number', '=', "+1555' OR '1'='1").execute()).toHaveLength(2);
  });

  it('the command agent answers from a script on stdin/stdout; a failing script answers nothing', async () => {
    const script = path.resolve(__dirname, '../fixtures/agent-command.mjs');
    const { text } = await setup({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open', OPENCLAW_TELEPHONY_ALLOW_FROM: '*' }, `"${process.execPath}" "${script}"`);
    expect((await text('+15550001111', 'ping')).body).toContain('command agent got &quot;ping&quot; from +15550001111 in sms:+15550001111');
    expect((await text('+15550001111', 'fail')).body).not.toContain('<Message>');
  });
});
