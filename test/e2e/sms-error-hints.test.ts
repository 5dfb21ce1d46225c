/**
 * Twilio's 10DLC, toll-free and trial-account error codes, injected by `sandbox --fault`, reach the
 * operator with what to do: in `send` (an error and each batch row), and in `messages list | get`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, startCli, telephony } from '../helpers/cli.js';

const TRIAL = '+15550007001';
const UNREGISTERED = '+15550007002';
const FILTERED = '+15550007003';
const TOLL_FREE = '+15550007004';

describe('error hints for Twilio codes, against `sandbox --fault`', () => {
  let sandbox: Awaited<ReturnType<typeof startCli>>;
  const { env, cwd } = isolatedEnv();
  const send = (args: string[]) => telephony(['send', '--sandbox', ...args], { env, cwd });

  beforeAll(async () => {
    const faults = `21608@${TRIAL},30034@${UNREGISTERED},30007@${FILTERED},30032@${TOLL_FREE}`;
    sandbox = await startCli(['sandbox', '--port', '0', '--json', '--fault', faults, '--rates', 'longcode=100'], { env, cwd });
    const info = JSON.parse(sandbox.firstLine);
    Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: info.baseUrl, TWILIO_PHONE_NUMBER: info.numbers[0].phoneNumber });
  });
  afterAll(() => sandbox.stop());

  it('send: a trial-account refusal (21608) exits 5 with the fix', async () => {
    const res = await send([TRIAL, 'hello']);
    expect(res.code).toBe(5);
    expect(res.stderr).toContain('Twilio error 21608');
    expect(res.stderr).toMatch(/fix: A trial account can only text numbers verified/);
    const json = JSON.parse((await send([TRIAL, 'hello', '--json'])).stdout);
    expect(json.error).toMatchObject({ twilioCode: 21608, hint: expect.stringContaining('Verified Caller IDs') });
  });

  it('send --batch: each failed row carries its code and hint', async () => {
    const file = path.join(cwd, 'rows.csv');
    writeFileSync(file, `to,body\n${TRIAL},one\n+15550007099,two\n`);
    const res = await send(['--batch', file, '--json', '--yes']);
    expect(res.code).toBe(7);
    const rows = res.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((r) => 'row' in r);
    expect(rows.find((r) => r.row === 1)).toMatchObject({ ok: false, error: { twilioCode: 21608, hint: expect.stringContaining('trial account') } });
    expect(rows.find((r) => r.row === 2)).toMatchObject({ ok: true });
    const human = await send(['--batch', file]);
    expect(human.stderr).toMatch(/row 1 \+15550007001: failed: .*\n {2}hint: A trial account/);
  });

  it('messages list and get: the final state, the error code and what to do about 30034, 30007 and 30032', async () => {
    for (const to of [UNREGISTERED, FILTERED, TOLL_FREE]) expect((await send([to, 'will fail later'])).code).toBe(0);
    const list = async () => JSON.parse((await telephony(['messages', 'list', '--sandbox', '--json'], { env, cwd })).stdout).messages as { to: string; status: string; error_code: number | null; error_hint: string | null; sid: string }[];
    await expect.poll(async () => (await list()).filter((m) => m.error_code).length).toBe(3);
    const byTo = Object.fromEntries((await list()).map((m) => [m.to, m]));
    expect(byTo[UNREGISTERED]).toMatchObject({ status: 'failed', error_code: 30034, error_hint: expect.stringContaining('not registered for A2P') });
    expect(byTo[FILTERED]).toMatchObject({ status: 'undelivered', error_code: 30007, error_hint: expect.stringContaining('filtered') });
    expect(byTo[TOLL_FREE]).toMatchObject({ status: 'undelivered', error_code: 30032, error_hint: expect.stringContaining('toll-free number is not verified') });
    const table = await telephony(['messages', 'list', '--sandbox'], { env, cwd });
    expect(table.stdout).toMatch(/ERROR/);
    expect(table.stdout).toContain('error 30034: The US 10DLC number is not registered');
    const one = await telephony(['messages', 'get', byTo[UNREGISTERED].sid, '--sandbox', '--json'], { env, cwd });
    expect(JSON.parse(one.stdout).error_hint).toContain('sender pool');
  });

  it('refuses a fault it cannot inject, naming the codes it can', async () => {
    const res = await telephony(['sandbox', '--port', '0', '--fault', '31999@+15550001234'], { env, cwd });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('30034');
  });
});
