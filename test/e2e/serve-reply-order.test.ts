/**
 * Replies of one sender reach the sender's handset in order: a reply slower than agent.replyTimeoutMs
 * goes out through the REST API part by part, and the sender's next text (answered fast, in the
 * webhook's TwiML) waits in the conversation until every part of the late reply was handed to Twilio
 * (review R2: the next reply used to land between the late reply's parts). And serve stopping while a
 * late reply is being sent neither hangs nor loses it silently.
 */
import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, REPO, startCli, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';

const SLOW = 'slow first, a text long enough to need two parts';

function slowAgentEnv(extra: Record<string, string> = {}) {
  const log = path.join(mkdtempSync(path.join(os.tmpdir(), 'oct-order-')), 'turns.log');
  writeFileSync(log, '');
  return isolatedEnv({
    OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open',
    OPENCLAW_TELEPHONY_ALLOW_FROM: '*',
    OPENCLAW_TELEPHONY_AGENT_KIND: 'command',
    OPENCLAW_TELEPHONY_AGENT_COMMAND: JSON.stringify([process.execPath, path.join(REPO, 'test/fixtures/agent-slow.mjs'), log]),
    // The slow turn (1.5 s) misses the webhook's answer; the fast one makes it.
    OPENCLAW_TELEPHONY_AGENT_REPLY_TIMEOUT_MS: '1000',
    OPENCLAW_TELEPHONY_SMS_MAX_LENGTH: '40',
    ...extra,
  });
}

const inboxOf = async (sb: Sandbox, handset: string): Promise<string[]> =>
  (await (await fetch(`${sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(handset)}/inbox`)).json()).messages.map((m: { body: string }) => m.body);

/**
 * A serve whose sender may send one message every 4 s, with a late reply of several parts under way
 * to `handset` (its first part in the handset's inbox): a stop, a STOP or a kill lands between parts.
 */
async function serveMidReply(handset: string, text: string) {
  const { env, cwd } = slowAgentEnv({ OPENCLAW_TELEPHONY_SMS_RATE: '0.25' });
  const sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 100 } });
  env.OPENCLAW_TELEPHONY_SANDBOX_URL = sb.baseUrl;
  const server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
  const number = JSON.parse(server.firstLine).sandbox.number as string;
  try {
    expect((await telephony(['sandbox', 'text', '--from', handset, '--to', number, text], { env, cwd })).code).toBe(0);
    await expect.poll(() => inboxOf(sb, handset), { timeout: 30_000 }).toHaveLength(1);
  } catch (err) {
    await server.stop('SIGKILL');
    await sb.close();
    throw err;
  }
  return { env, cwd, sb, server, number };
}

describe('one sender\'s replies on one serve', () => {
  let sb: Sandbox;
  let server: Awaited<ReturnType<typeof startCli>>;
  let number: string;
  const { env, cwd } = slowAgentEnv();
  const handset = '+15550003434';
  beforeAll(async () => {
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 100 } });
    env.OPENCLAW_TELEPHONY_SANDBOX_URL = sb.baseUrl;
    server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
    number = JSON.parse(server.firstLine).sandbox.number;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await sb?.close();
  });

  it('reach the handset in order: every part of a late reply before the next text\'s fast reply', async () => {
    expect((await telephony(['sandbox', 'text', '--from', handset, '--to', number, SLOW], { env, cwd })).code).toBe(0);
    expect((await telephony(['sandbox', 'text', '--from', handset, '--to', number, 'fast second'], { env, cwd })).code).toBe(0);
    await expect.poll(() => inboxOf(sb, handset), { timeout: 30_000 }).toHaveLength(3);
    const got = await inboxOf(sb, handset);
    expect(got[2]).toBe('reply to fast second');
    // The late reply in its two parts, in order, before it.
    expect(got.slice(0, 2).join(' ').replace(/\s+/g, ' ')).toBe(`reply to ${SLOW}`);
    expect(server.stderr()).toMatch(/"event":"agent\.slow"/);
  }, 60_000);
});

describe('serve stopping while a late reply is being sent', () => {
  it('stops within its grace period, and says which parts of the reply did not go', async () => {
    const handset = '+15550003535';
    const { sb, server } = await serveMidReply(handset, `slow ${'and long '.repeat(40)}`);
    try {
      const started = performance.now();
      expect(await server.stop('SIGTERM')).toBe(0);
      // 5 s of grace and 2 s after abandoning, far short of the ~40 s the reply's parts would take.
      expect((performance.now() - started) / 1000).toBeLessThan(20);
      const failed = server.stderr().split('\n').filter((l) => l.includes('"event":"reply.failed"'));
      expect(failed).toHaveLength(1);
      const unsent = JSON.parse(failed[0]).unsentParts as number;
      const sent = (await inboxOf(sb, handset)).length;
      // Some parts went before the stop, the rest are counted as not sent; what went is what was logged sent.
      expect(sent).toBeGreaterThanOrEqual(1);
      expect(unsent).toBeGreaterThanOrEqual(1);
      expect(server.stderr().match(/"event":"sms\.out"[^\n]*"via":"rest"/g) ?? []).toHaveLength(sent);
    } finally {
      if (server.child.exitCode === null) await server.stop('SIGKILL');
      await sb.close();
    }
  }, 60_000);
});

describe('a STOP while a late reply is going out', () => {
  it('ends the reply at the next part, whatever Twilio would do with it', async () => {
    const handset = '+15550003636';
    const { env, cwd, sb, server, number } = await serveMidReply(handset, `slow ${'and long '.repeat(20)}`);
    try {
      expect((await telephony(['sandbox', 'text', '--from', handset, '--to', number, 'STOP'], { env, cwd })).code).toBe(0);
      await expect.poll(() => server.stderr().split('\n').filter((l) => l.includes('"event":"reply.failed"')), { timeout: 30_000 }).toHaveLength(1);
      const failed = JSON.parse(server.stderr().split('\n').find((l) => l.includes('"event":"reply.failed"'))!);
      // Refused by serve itself before the request, not by the API's 21610.
      expect(failed.error).toMatch(/opted out while this reply was going out/);
      // The parts sent before it (one, unless the machine was slow to take the STOP) and the ones refused make the whole reply.
      const sentParts = (server.stderr().match(/"event":"sms\.out"[^\n]*"via":"rest"/g) ?? []).length;
      expect(sentParts).toBeGreaterThanOrEqual(1);
      expect(failed.unsentParts).toBeGreaterThanOrEqual(1);
      expect(sentParts + failed.unsentParts).toBe(Number(/:(\d+)\/(\d+)$/.exec(failed.key)![2]));
      expect(server.stderr()).not.toMatch(/21610/);
    } finally {
      await server.stop();
      await sb.close();
    }
  }, 60_000);
});

describe('serve killed while a late reply is going out', () => {
  it('the restarted serve says which reply was cut off and how many parts went', async () => {
    const handset = '+15550003737';
    const started = await serveMidReply(handset, `slow ${'and long '.repeat(20)}`);
    const { env, cwd, sb } = started;
    let server = started.server;
    try {
      await server.stop('SIGKILL');
      server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
      const orphanedLines = () => server.stderr().split('\n').filter((l) => l.includes('"event":"reply.orphaned"'));
      // Found once the dead instance's heartbeat is 10 s old, by a sweep every 10 s.
      await expect.poll(orphanedLines, { timeout: 45_000, interval: 250 }).toHaveLength(1);
      const orphaned = JSON.parse(orphanedLines()[0]);
      expect(orphaned).toMatchObject({ to: handset, parts: 5 });
      // The parts recorded as handed to Twilio; one more may have been made as the kill landed, before it was recorded.
      // (Under load the kill can even land between the first part's create and its record.)
      const made = (await sentMessages(sb)).filter((m) => m.to === handset).length;
      expect(made).toBeGreaterThanOrEqual(1);
      expect(orphaned.sent).toBeLessThan(5);
      expect(made - orphaned.sent).toBeGreaterThanOrEqual(0);
      expect(made - orphaned.sent).toBeLessThanOrEqual(1);
      expect(orphaned.message).toMatch(/cut off/);
    } finally {
      await server.stop();
      await sb.close();
    }
  }, 90_000);
});
