/**
 * Issue #18: `telephony` as a channel inside the real OpenClaw Gateway. A dev Gateway on loopback with
 * the plugin (`plugins install --link`), the sandbox standing in for Twilio, and a model that speaks
 * OpenAI's chat API (the one fake): a stranger's signed text gets a pairing code from OpenClaw's
 * pairing store, `openclaw pairing list|approve telephony` see and admit it, the next text reaches
 * OpenClaw's agent, whose answer reaches the handset exactly once (with its delivery states recorded),
 * and `openclaw message send --channel telephony` delivers through the sandbox.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isolatedEnv, REPO, runCli, startCli } from '../helpers/cli.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-openai.js';
import { HAVE_OPENCLAW_BIN, openclaw } from '../helpers/openclaw.js';
import { type DevGateway, freePort, startDevGateway } from '../helpers/openclaw-gateway.js';

const STRANGER = '+15550007001';
const OWNER = '+15550007000';
const MODEL_ANSWER = 'The agent says: bring an umbrella.';

interface InboxMessage {
  sid: string;
  from: string;
  body: string;
}

describe.skipIf(!HAVE_OPENCLAW_BIN)('the telephony channel inside the OpenClaw Gateway', () => {
  const { env, home, cwd } = isolatedEnv({ npm_config_update_notifier: 'false' });
  const oc = (args: string[]) => openclaw(args, env, cwd);
  let sandbox: Awaited<ReturnType<typeof startCli>>;
  let model: FakeModel;
  let gateway: DevGateway;
  let number: string;

  const inbox = async (handset: string): Promise<InboxMessage[]> => {
    const res = await runCli(['sandbox', 'inbox', handset, '--json'], { env, cwd });
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout).messages;
  };
  const text = async (from: string, body: string) => {
    const res = await runCli(['sandbox', 'text', '--from', from, body], { env, cwd });
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(res.stdout).toContain('answered 200');
  };

  beforeAll(async () => {
    sandbox = await startCli(['sandbox', '--port', '0', '--json'], { env, cwd });
    const baseUrl = JSON.parse(sandbox.firstLine).baseUrl as string;
    const account = (await (await fetch(`${baseUrl}/sandbox/v1/account`)).json()) as { accountSid: string; authToken: string; numbers: { phoneNumber: string }[] };
    number = account.numbers[0].phoneNumber;
    env.OPENCLAW_TELEPHONY_SANDBOX_URL = baseUrl;
    // The auth token reaches the channel as an OpenClaw SecretRef to this variable, never in the file.
    env.SANDBOX_AUTH_TOKEN = account.authToken;
    model = await startFakeModel(() => MODEL_ANSWER);

    const install = await oc(['plugins', 'install', '--link', '--force', '--accept-capabilities', REPO]);
    expect(install.code, install.stderr + install.stdout).toBe(0);
    const port = await freePort();
    const file = path.join(home, '.openclaw/openclaw.json');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(
      file,
      JSON.stringify(
        {
          ...doc,
          gateway: { mode: 'local', bind: 'loopback', port, auth: { mode: 'none' } },
          // An owner already set: approving a pairing code then changes no config (the first approval would
          // otherwise make the sender the owner and reload the channel, see docs/channels/pairing.md).
          commands: { ownerAllowFrom: [`telephony:${OWNER}`] },
          models: { mode: 'merge', providers: { local: { baseUrl: model.baseUrl, apiKey: 'not-a-secret', api: 'openai-completions', models: [{ id: 'tiny', name: 'Tiny', reasoning: false, input: ['text'], contextWindow: 32000, maxTokens: 1000 }] } } },
          agents: { ...doc.agents, defaults: { ...doc.agents?.defaults, model: { primary: 'local/tiny' } } },
          channels: {
            telephony: {
              fromNumber: number,
              publicUrl: `http://127.0.0.1:${port}`,
              inboundPolicy: 'pairing',
              twilio: { apiBaseUrl: baseUrl, accountSid: account.accountSid, authToken: { source: 'env', provider: 'default', id: 'SANDBOX_AUTH_TOKEN' } },
            },
          },
        },
        null,
        2,
      ),
    );
    gateway = await startDevGateway(port, env, cwd);
    // The channel's routes answer once its account runs: an unsigned request is refused (403), not 503.
    await vi.waitFor(async () => expect((await fetch(`${gateway.url}/telephony/webhook`, { method: 'POST' })).status).toBe(403), { timeout: 120_000, interval: 500 });
    const pointed = await runCli(['numbers', 'configure', number, '--to-serve'], { env, cwd });
    expect(pointed.code, pointed.stderr).toBe(0);
    expect(pointed.stdout).toContain(`${gateway.url}/telephony/webhook`);
  }, 900_000);

  afterAll(async () => {
    await gateway?.stop();
    await model?.close();
    await sandbox?.stop();
  });

  it('refuses an unsigned webhook on the Gateway route, and says so in the Gateway log', async () => {
    const res = await fetch(`${gateway.url}/telephony/webhook`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `From=${encodeURIComponent(STRANGER)}&Body=hi` });
    expect(res.status).toBe(403);
    await vi.waitFor(() => expect(gateway.output()).toMatch(/\[telephony\][^\n]*webhook\.refused/), { timeout: 30_000 });
  });

  it("a stranger gets OpenClaw's pairing code; `openclaw pairing list|approve telephony` admit them; the agent's answer arrives once", async () => {
    await text(STRANGER, 'hello, who is this?');
    const codeText = await vi.waitFor(
      async () => {
        const message = (await inbox(STRANGER)).find((m) => /pairing code is/.test(m.body));
        expect(message).toBeDefined();
        return message!.body;
      },
      { timeout: 60_000, interval: 500 },
    );
    const code = /pairing code is ([A-Z0-9]{8})/.exec(codeText)![1];
    // Nothing reached the model: a stranger's text stops at pairing.
    expect(model.prompts).toEqual([]);

    const listed = await oc(['pairing', 'list', 'telephony', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const requests = JSON.parse(listed.stdout).requests as { code: string; id: string }[];
    expect(requests).toEqual([expect.objectContaining({ code, id: STRANGER })]);

    const approved = await oc(['pairing', 'approve', 'telephony', code]);
    expect(approved.code, approved.stderr + approved.stdout).toBe(0);
    expect(approved.stdout).toContain(STRANGER);

    // The first turn after start-up may meet OpenClaw's own session maintenance under load, and then
    // OpenClaw answers its "Gateway is restarting. Please wait a few seconds and try again."; the
    // handset does as told, at most three times.
    let answers: InboxMessage[] = [];
    for (let attempt = 1; attempt <= 3 && answers.length === 0; attempt++) {
      const before = (await inbox(STRANGER)).length;
      await text(STRANGER, 'Should I take an umbrella today?');
      const news = await vi.waitFor(
        async () => {
          const fresh = (await inbox(STRANGER)).slice(before);
          expect(fresh.length).toBeGreaterThan(0);
          return fresh;
        },
        { timeout: 240_000, interval: 1_000 },
      );
      answers = news.filter((m) => m.body === MODEL_ANSWER);
      if (answers.length === 0) expect(news.map((m) => m.body)).toEqual([expect.stringContaining('Gateway is restarting')]);
    }
    const answer = answers[0];
    expect(answer, 'the model answered').toBeDefined();
    expect(model.prompts.some((p) => p.includes('Should I take an umbrella today?'))).toBe(true);
    // Its delivery states came back to the Gateway's status route and were recorded.
    await vi.waitFor(() => expect(gateway.output()).toMatch(new RegExp(`status sid=${answer.sid} status=delivered outcome=applied`)), { timeout: 60_000 });
    expect((await inbox(STRANGER)).filter((m) => m.body === MODEL_ANSWER)).toHaveLength(1);
  }, 900_000);

  it('`openclaw message send --channel telephony` delivers through the sandbox, once', async () => {
    const sent = await oc(['message', 'send', '--channel', 'telephony', '--target', OWNER, '--message', 'Your order has shipped.']);
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    const sid = /Message ID: (SM\w+)/.exec(sent.stdout)?.[1];
    expect(sid, sent.stdout).toBeDefined();
    const received = (await inbox(OWNER)).filter((m) => m.body === 'Your order has shipped.');
    expect(received.map((m) => m.sid)).toEqual([sid]);
  }, 600_000);

  it('`openclaw channels status` reports the running account from the Gateway', async () => {
    const res = await oc(['channels', 'status', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const status = JSON.parse(res.stdout);
    expect(status.channelAccounts.telephony).toEqual([expect.objectContaining({ accountId: 'default', enabled: true, configured: true, running: true, lifecycle: 'ready', mode: 'webhook', dmPolicy: 'pairing', lastInboundAt: expect.any(Number) })]);
  }, 600_000);
});
