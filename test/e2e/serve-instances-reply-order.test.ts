/**
 * Two texts from one sender landing on different `serve` instances (one PostgreSQL store, a loopback
 * proxy in front, Twilio's REST API and the sender's handset played by the sandbox) get their replies
 * in order on the handset: the first text's reply is late (slower than agent.replyTimeoutMs) and goes
 * through the REST API in two parts; the second text, answered fast in its webhook's TwiML on the
 * other instance, waits until both parts were handed to Twilio (review R2).
 */
import path from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, REPO, startCli, telephony } from '../helpers/cli.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { freshPgUrl, PG_URL, requirePgInCi } from '../helpers/stores.js';

requirePgInCi();

const SLOW = 'slow first, a text long enough to need two parts';
const HANDSET = '+15550003636';

describe.skipIf(!PG_URL)('one sender\'s replies across two serve instances', () => {
  const turnsLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'oct-order2-')), 'turns.log');
  const { env, cwd } = isolatedEnv({
    OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open',
    OPENCLAW_TELEPHONY_ALLOW_FROM: '*',
    OPENCLAW_TELEPHONY_AGENT_KIND: 'command',
    OPENCLAW_TELEPHONY_AGENT_COMMAND: JSON.stringify([process.execPath, path.join(REPO, 'test/fixtures/agent-slow.mjs'), turnsLog]),
    OPENCLAW_TELEPHONY_AGENT_REPLY_TIMEOUT_MS: '1000',
    OPENCLAW_TELEPHONY_SMS_MAX_LENGTH: '40',
  });
  let sb: Sandbox;
  let proxy: TestProxy;
  const targets: string[] = [];
  const servers: Awaited<ReturnType<typeof startCli>>[] = [];
  let number = '';
  const inbox = async (): Promise<string[]> => (await (await fetch(`${sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(HANDSET)}/inbox`)).json()).messages.map((m: { body: string }) => m.body);
  const turns = () => readFileSync(turnsLog, 'utf8').split('\n').filter(Boolean);

  beforeAll(async () => {
    writeFileSync(turnsLog, '');
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 100 } });
    // The proxy is the public URL both instances sign for; it learns their addresses as they start.
    proxy = await startProxy(targets);
    Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, OPENCLAW_TELEPHONY_PUBLIC_URL: proxy.url, OPENCLAW_TELEPHONY_STORE_URL: await freshPgUrl() });
    // One after the other: the first migrates the new database.
    for (let i = 0; i < 2; i++) {
      const server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
      servers.push(server);
      targets.push(JSON.parse(server.firstLine).url);
      number = JSON.parse(server.firstLine).sandbox.number;
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await proxy?.close();
    await sb?.close();
  });

  it('the handset gets every part of the first (late) reply before the second text\'s reply from the other instance', async () => {
    // The proxy takes turns: the first text reaches one instance, the second the other.
    expect((await telephony(['sandbox', 'text', '--from', HANDSET, '--to', number, SLOW], { env, cwd })).code).toBe(0);
    expect((await telephony(['sandbox', 'text', '--from', HANDSET, '--to', number, 'fast second'], { env, cwd })).code).toBe(0);
    await expect.poll(inbox, { timeout: 30_000 }).toHaveLength(3);
    const got = await inbox();
    expect(got[2]).toBe('reply to fast second');
    expect(got.slice(0, 2).join(' ').replace(/\s+/g, ' ')).toBe(`reply to ${SLOW}`);
    // Each instance handled one of the texts, and the turns ran one after the other.
    for (const s of servers) expect(s.stderr()).toMatch(/"event":"sms\.in"/);
    expect(turns()).toEqual([`start ${SLOW}`, `end ${SLOW}`, 'start fast second', 'end fast second']);
  }, 60_000);
});
