/**
 * `approvals approve` looks the approval up before anything else, and an approval remembers where it
 * was held (the sandbox or Twilio), so the command `send` prints to approve it works as printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';

let sb: Sandbox;
const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_OUTBOUND_APPROVAL: 'always' });

beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10 });
  env.OPENCLAW_TELEPHONY_SANDBOX_URL = sb.baseUrl;
});
afterAll(() => sb.close());

/** Runs a printed command line (`openclaw telephony ...` or `npx openclaw-telephony ...`, simple words) through the CLI. */
const runPrinted = (line: string) => telephony(line.replace(/^(npx )?openclaw[ -]telephony /, '').split(' '), { env, cwd });

describe('approvals approve', () => {
  it('says "No approval ID" (exit 2) for an unknown id, without credentials or --sandbox', async () => {
    const res = await telephony(['approvals', 'approve', 'ap_nope'], { env, cwd });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('No approval ap_nope.');
    expect(res.stderr).toContain('approvals list');
    const json = await telephony(['approvals', 'approve', 'ap_nope', '--json'], { env, cwd });
    expect(JSON.parse(json.stdout).error.code).toBe('approval_not_found');
  });

  it('a text held on the sandbox is approved with the printed command, no flag needed, and sent once', async () => {
    const held = await telephony(['send', '--sandbox', '+15550008001', 'held on the sandbox'], { env, cwd });
    expect(held.code).toBe(0);
    const printed = /`((?:npx )?openclaw[ -]telephony approvals approve ap_\w+)`/.exec(held.stdout)?.[1];
    expect(printed).toBeDefined();
    const approved = await runPrinted(printed!);
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/^SM\w+ queued -> \+15550008001/);
    const again = await runPrinted(printed!);
    expect(again.code).toBe(0);
    expect((await sentMessages(sb)).filter((m) => m.body === 'held on the sandbox')).toHaveLength(1);
  });
});
