/**
 * Delivery states as an operator meets them: `send --status-callback` to serve's status URL, the
 * sandbox posting the callbacks (a 10DLC failure injected with --fault), and serve's NDJSON log
 * showing the final state, the error code and what to do; then callbacks out of order and in
 * disagreement, which never move a final state.
 */
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFaults } from '../../src/sandbox/faults.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, startCli, telephony } from '../helpers/cli.js';

const UNREGISTERED = '+15550008002';

interface LogLine {
  event: string;
  sid?: string;
  status?: string;
  outcome?: string;
  errorCode?: number;
  hint?: string;
  conflict?: string;
}

describe('delivery states through serve', () => {
  let sb: Sandbox;
  let server: Awaited<ReturnType<typeof startCli>>;
  let local: string;
  const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_LOG: '1' });
  const logLines = (): LogLine[] =>
    server
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);

  beforeAll(async () => {
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 100 }, faults: parseFaults(`30034@${UNREGISTERED}`) });
    Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber });
    server = await startCli(['serve', '--sandbox', '--port', '0', '--json', '--no-dashboard'], { env, cwd });
    local = JSON.parse(server.firstLine).url;
  });
  afterAll(async () => {
    await server.stop();
    await sb.close();
  });

  it('a 10DLC failure reaches the log as the final state with its code and hint', async () => {
    const sent = await telephony(['send', '--sandbox', UNREGISTERED, 'will not arrive', '--status-callback', `${local}/telephony/status`, '--json'], { env, cwd });
    expect(sent.code, sent.stderr).toBe(0);
    const sid = JSON.parse(sent.stdout).sid;
    await expect.poll(() => logLines().find((l) => l.sid === sid && l.status === 'failed'), { timeout: 10_000 }).toMatchObject({ event: 'status', errorCode: 30034, hint: expect.stringContaining('not registered for A2P') });
  });

  it('a late sent after delivered is stale, a different final state is a recorded conflict, and delivered stays', async () => {
    const { accountSid, authToken } = sb.describe();
    const sid = 'SM' + 'd1'.repeat(16);
    const post = (status: string, extra: Record<string, string> = {}) => {
      const params = { AccountSid: accountSid, MessageSid: sid, MessageStatus: status, ...extra };
      return fetch(`${local}/telephony/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, `${local}/telephony/status`, params) },
        body: new URLSearchParams(params),
      });
    };
    for (const status of ['queued', 'delivered', 'sent']) expect((await post(status)).status).toBe(200);
    expect((await post('failed', { ErrorCode: '30008' })).status).toBe(200);
    await expect.poll(() => logLines().filter((l) => l.sid === sid).map((l) => [l.event, l.outcome, l.status])).toEqual([
      ['status', 'applied', 'queued'],
      ['status', 'applied', 'delivered'],
      ['status', 'stale', 'delivered'],
      ['status.conflict', 'conflict', 'delivered'],
    ]);
    expect(logLines().find((l) => l.event === 'status.conflict')?.conflict).toBe('failed (30008) reported after delivered');
    const metrics = await (await fetch(`${local}/metrics`)).text();
    expect(metrics).toMatch(/status_callbacks_total\{outcome="conflict"\} 1/);
  });
});
