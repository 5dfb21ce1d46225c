/**
 * `serve` with a command agent that hangs (`sh -c 'cat; sleep 47'`): a timeout kills its whole tree
 * and logs agent.error, and SIGTERM stops serve within a bounded time (#16 item 5).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, startCli } from '../helpers/cli.js';
import { isRunning } from '../helpers/processes.js';

const ACCOUNT = 'AC' + '3c'.repeat(16);
const TOKEN = 'c9'.repeat(16);
const PUBLIC = 'https://bot.example.com';

async function serveWithHangingAgent(extra: Record<string, string>) {
  const pidFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'oct-hang-')), 'sleep.pid');
  const { env, cwd } = isolatedEnv({
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: TOKEN,
    OPENCLAW_TELEPHONY_PUBLIC_URL: PUBLIC,
    OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open',
    OPENCLAW_TELEPHONY_ALLOW_FROM: '*',
    OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9',
    OPENCLAW_TELEPHONY_AGENT_KIND: 'command',
    OPENCLAW_TELEPHONY_AGENT_COMMAND: `sh -c 'cat >/dev/null; sleep 47 & echo $! > ${pidFile}; wait'`,
    ...extra,
  });
  const server = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
  const local = JSON.parse(server.firstLine).url as string;
  const params = { AccountSid: ACCOUNT, MessageSid: 'SM' + 'ef'.repeat(16), From: '+15550001111', To: '+15550002222', Body: 'are you there?', NumMedia: '0' };
  const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/telephony/webhook`, params);
  const answer = fetch(`${local}/telephony/webhook`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params) }).catch((err: Error) => err);
  await expect.poll(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', { timeout: 15_000 }).toBe(true);
  return { server, answer, sleepPid: Number(readFileSync(pidFile, 'utf8')) };
}

describe.skipIf(process.platform === 'win32')('serve and a hanging command agent', () => {
  it('agent.timeoutMs kills the whole tree and logs agent.error', async () => {
    const { server, sleepPid } = await serveWithHangingAgent({ OPENCLAW_TELEPHONY_AGENT_TIMEOUT_MS: '1000' });
    try {
      await expect.poll(() => server.stderr(), { timeout: 15_000 }).toMatch(/"event":"agent\.error".*agent\.timeoutMs \(1000 ms\)/);
      await expect.poll(() => isRunning(sleepPid)).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('SIGTERM stops serve within the grace period, abandoning the turn and killing its tree', async () => {
    const { server, sleepPid, answer } = await serveWithHangingAgent({});
    const started = performance.now();
    const code = await server.stop('SIGTERM');
    const seconds = (performance.now() - started) / 1000;
    expect(code).toBe(0);
    // 5 s of grace, then the agent is abandoned; nowhere near the 47 s the agent would take.
    expect(seconds).toBeLessThan(15);
    expect(server.stderr()).toMatch(/"event":"shutdown\.abandoned".*"agentTurns":1/);
    expect(isRunning(sleepPid)).toBe(false);
    await answer;
  });
});
