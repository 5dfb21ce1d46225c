/** `pairing approve --notify`: the admitted sender gets one text saying so, from the sandbox number. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, startCli, telephony } from '../helpers/cli.js';

describe('pairing approve --notify', () => {
  let sb: Sandbox;
  let server: Awaited<ReturnType<typeof startCli>>;
  const { env, cwd } = isolatedEnv();
  const handset = '+15550007301';
  const inbox = async () => (await (await fetch(`${sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(handset)}/inbox`)).json()).messages.map((m: { body: string }) => m.body);

  beforeAll(async () => {
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 100 } });
    Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber });
    server = await startCli(['serve', '--sandbox', '--port', '0', '--json', '--no-dashboard'], { env, cwd });
  });
  afterAll(async () => {
    await server.stop();
    await sb.close();
  });

  it('texts the sender once that they were admitted', async () => {
    expect((await telephony(['sandbox', 'text', '--from', handset, '--to', sb.describe().numbers[0].phoneNumber, 'let me in'], { env, cwd })).code).toBe(0);
    await expect.poll(inbox).toHaveLength(1);
    const code = JSON.parse((await telephony(['pairing', 'list', '--json'], { env, cwd })).stdout).pending[0].code;
    const res = await telephony(['pairing', 'approve', code, '--notify', '--sandbox', '--json'], { env, cwd });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'approved', notified: { sid: expect.stringMatching(/^SM/) } });
    await expect.poll(inbox).toEqual([expect.stringContaining(code), 'You can now text the agent at this number.']);
  });
});
