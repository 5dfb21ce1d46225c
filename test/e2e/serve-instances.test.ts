/**
 * Several `serve` processes on one PostgreSQL database behind a load balancer (a loopback proxy of the
 * tests' own): they start at once on a fresh database and migrate it once; a webhook and its
 * redelivery reaching different instances make one agent turn; a pairing approved elsewhere admits
 * the sender on every instance; an opt-out taken by one holds on the other; two texts of one sender landing on different instances are answered in
 * order; doctor names the instances alive.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigrationProvider } from '../../src/store/migrations.js';
import { REPO, startCli, telephony } from '../helpers/cli.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { PUBLIC, publicServeEnv, sign, smsParams } from '../helpers/serve.js';
import { freshPgUrl, PG_URL, requirePgInCi } from '../helpers/stores.js';

requirePgInCi();

type Serve = Awaited<ReturnType<typeof startCli>>;

const KNOWN = '+15550001111';
const STRANGER = '+15550007777';
const QUITTER = '+15550004444';

describe.skipIf(!PG_URL)('several serve instances on one PostgreSQL database', () => {
  const turnsLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'oct-turns-')), 'turns.log');
  const agent = `"${process.execPath}" "${path.join(REPO, 'test/fixtures/agent-slow.mjs')}" "${turnsLog}"`;
  const { env, cwd } = publicServeEnv({
    OPENCLAW_TELEPHONY_INBOUND_POLICY: 'pairing',
    OPENCLAW_TELEPHONY_ALLOW_FROM: `${KNOWN},${QUITTER}`,
    OPENCLAW_TELEPHONY_AGENT_KIND: 'command',
    OPENCLAW_TELEPHONY_AGENT_COMMAND: agent,
    OPENCLAW_TELEPHONY_AGENT_REPLY_TIMEOUT_MS: '10000',
    // Twilio's API is not reachable here: every reply goes back in the webhook's answer.
    OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9',
  });
  let servers: Serve[] = [];
  let proxy: TestProxy;
  const turns = () => readFileSync(turnsLog, 'utf8').split('\n').filter(Boolean);

  beforeAll(async () => {
    writeFileSync(turnsLog, '');
    env.OPENCLAW_TELEPHONY_STORE_URL = await freshPgUrl();
    // Three at once on the fresh database; two stay behind the proxy.
    servers = await Promise.all(Array.from({ length: 3 }, () => startCli(['serve', '--port', '0', '--json'], { env, cwd })));
    proxy = await startProxy(servers.slice(0, 2).map((s) => JSON.parse(s.firstLine).url));
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  /** A text as Twilio posts it, through the proxy to instance `to`. */
  const text = async (to: 0 | 1, over: Record<string, string>) => {
    const params = smsParams(over);
    const res = await fetch(`${proxy.url}/telephony/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(PUBLIC + '/telephony/webhook', params), 'x-test-instance': String(to) },
      body: new URLSearchParams(params),
    });
    return { status: res.status, servedBy: res.headers.get('x-test-served-by'), body: await res.text() };
  };

  it('instances started at once on a fresh database apply each migration once between them', async () => {
    const names = Object.keys(await createMigrationProvider('postgres').getMigrations());
    const applied = () =>
      servers.flatMap((s) =>
        s
          .stderr()
          .split('\n')
          .filter((l) => l.includes('"store.migrated"'))
          .flatMap((l) => JSON.parse(l).migrations as string[]),
      );
    await expect.poll(applied).toHaveLength(names.length);
    expect(applied().sort()).toEqual(names);
    // The third has shown what it needed to; the rest runs on two.
    expect(await servers.pop()!.stop()).toBe(0);
  });

  it('the project\'s round-robin proxy script (README step 5): signed webhooks through it reach both instances in turn and verify', async () => {
    const child = spawn(process.execPath, [path.join(REPO, 'scripts/round-robin-proxy.mjs'), '0', ...servers.map((s) => JSON.parse(s.firstLine).url)], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let printed = '';
      child.stdout.on('data', (d) => (printed += d));
      await expect.poll(() => printed, { timeout: 20_000 }).toMatch(/round-robin proxy on (http:\/\/127\.0\.0\.1:\d+)/);
      const url = /round-robin proxy on (\S+)/.exec(printed)![1];
      const post = async (params: Record<string, string>, signature = sign(PUBLIC + '/telephony/webhook', params)) => {
        const res = await fetch(`${url}/telephony/webhook`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params) });
        return { status: res.status, servedBy: res.headers.get('x-served-by'), body: await res.text() };
      };
      const answers = [];
      for (const n of [1, 2, 3, 4]) answers.push(await post(smsParams({ MessageSid: 'SM' + `8${n}`.repeat(16), Body: `via proxy ${n}` })));
      expect(answers.map((a) => a.servedBy)).toEqual(['0', '1', '0', '1']);
      answers.forEach((a, i) => {
        expect(a.status).toBe(200);
        expect(a.body).toContain(`reply to via proxy ${i + 1}`);
      });
      // The instances do check: a signature that does not match is refused through it too.
      const forged = await post(smsParams({ MessageSid: 'SM' + '89'.repeat(16), Body: 'forged' }), 'bm90IGEgc2lnbmF0dXJl');
      expect(forged.status).toBe(403);
    } finally {
      child.kill();
    }
  });

  it('a webhook and its redelivery reaching different instances make one agent turn and get one answer', async () => {
    const sid = 'SM' + '71'.repeat(16);
    const [first, copy] = await Promise.all([text(0, { MessageSid: sid, Body: 'just once' }), text(1, { MessageSid: sid, Body: 'just once' })]);
    const later = await text(1, { MessageSid: sid, Body: 'just once' });
    expect([first.servedBy, copy.servedBy, later.servedBy]).toEqual(['0', '1', '1']);
    expect(first.body).toContain('reply to just once');
    expect(copy.body).toBe(first.body);
    expect(later.body).toBe(first.body);
    expect(turns().filter((l) => l === 'start just once')).toHaveLength(1);
  });

  it('a pairing code given by one instance and approved elsewhere admits the sender on the other instance', async () => {
    const asked = await text(0, { MessageSid: 'SM' + '72'.repeat(16), From: STRANGER, Body: 'let me in' });
    const code = /pairing code is ([A-Z0-9]{8})/.exec(asked.body)?.[1];
    expect(code, asked.body).toBeDefined();
    // Pending approvals are global: any process on the store sees the code.
    const pending = await telephony(['pairing', 'list', '--json'], { env, cwd });
    expect(pending.stdout).toContain(code);
    expect((await telephony(['pairing', 'approve', code!], { env, cwd })).code).toBe(0);
    const admitted = await text(1, { MessageSid: 'SM' + '73'.repeat(16), From: STRANGER, Body: 'hello again' });
    expect(admitted.body).toContain('reply to hello again');
  });

  it('a STOP taken by one instance holds on the other, and so does the START after it', async () => {
    await text(0, { MessageSid: 'SM' + '76'.repeat(16), From: QUITTER, Body: 'STOP' });
    const ignored = await text(1, { MessageSid: 'SM' + '77'.repeat(16), From: QUITTER, Body: 'are you there' });
    expect(ignored.body).not.toContain('<Message');
    expect(turns()).not.toContain('start are you there');
    await text(1, { MessageSid: 'SM' + '78'.repeat(16), From: QUITTER, Body: 'START' });
    expect((await text(0, { MessageSid: 'SM' + '79'.repeat(16), From: QUITTER, Body: 'back again' })).body).toContain('reply to back again');
  });

  it("two texts of one sender landing on different instances are answered in order, the second turn after the first", async () => {
    const slow = text(0, { MessageSid: 'SM' + '74'.repeat(16), Body: 'slow first' });
    await expect.poll(turns).toContain('start slow first');
    const fast = text(1, { MessageSid: 'SM' + '75'.repeat(16), Body: 'fast second' });
    const answered: string[] = [];
    await Promise.all([slow.then((a) => answered.push(a.body)), fast.then((a) => answered.push(a.body))]);
    expect(answered[0]).toContain('reply to slow first');
    expect(answered[1]).toContain('reply to fast second');
    const order = turns().filter((l) => / (slow first|fast second)$/.test(l));
    expect(order).toEqual(['start slow first', 'end slow first', 'start fast second', 'end fast second']);
  });

  it('doctor reports the store kind, its schema version and the instances alive on it', async () => {
    const names = Object.keys(await createMigrationProvider('postgres').getMigrations());
    const res = await telephony(['doctor', '--json'], { env, cwd });
    const store = JSON.parse(res.stdout).checks.find((c: { name: string }) => c.name === 'store');
    expect(store.detail).toMatch(/^PostgreSQL store postgres:\/\/\S+ opens and is migrated: /);
    expect(store.detail).toContain(`schema ${names.at(-1)} (${names.length} of ${names.length} migrations); 2 serve instances running on it: `);
    for (const s of servers) expect(store.detail).toContain(JSON.parse(s.firstLine).url);
  });
});
