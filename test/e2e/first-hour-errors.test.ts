/**
 * The errors a newcomer meets in the first hour name the actual problem and a fix that works for
 * that command: unknown profiles, missing credentials, no credential store.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';

const NO_BUS = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };

describe('--profile', () => {
  it('an unknown profile is a configuration error (exit 3) that lists the known ones', async () => {
    const { env, cwd } = isolatedEnv(NO_BUS);
    writeFileSync(path.join(cwd, 'openclaw.config.json5'), '{ channels: { telephony: { profiles: { work: { fromNumber: "+15550009999" } } } } }');
    for (const args of [['send', '+15550005678', 'hi', '--profile', 'nosuch'], ['config', 'show', '--profile', 'nosuch'], ['approvals', 'list', '--profile', 'nosuch']]) {
      const res = await telephony(args, { env, cwd });
      expect(res.code).toBe(3);
      expect(res.stderr).toContain('There is no profile "nosuch": the known profiles are "default", "work"');
      expect(res.stderr).toContain('auth login --profile nosuch');
    }
    const viaEnv = await telephony(['config', 'show', '--json'], { env: { ...env, OPENCLAW_TELEPHONY_PROFILE: 'nosuch' }, cwd });
    expect(viaEnv.code).toBe(3);
    expect(JSON.parse(viaEnv.stdout).error.code).toBe('unknown_profile');
  });

  it('a profile defined in the file is accepted', async () => {
    const { env, cwd } = isolatedEnv(NO_BUS);
    writeFileSync(path.join(cwd, 'openclaw.config.json5'), '{ channels: { telephony: { profiles: { work: { fromNumber: "+15550009999" } } } } }');
    const res = await telephony(['config', 'show', '--profile', 'work', '--json'], { env, cwd });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).values.find((v: { key: string }) => v.key === 'fromNumber')).toMatchObject({ value: '+15550009999', source: 'profile' });
  });
});

describe('missing credentials', () => {
  it('lead with the three ways forward; the credential store detail comes last', async () => {
    const { env, cwd } = isolatedEnv(NO_BUS);
    const res = await telephony(['messages', 'list'], { env, cwd });
    expect(res.code).toBe(4);
    const fix = res.stderr.slice(res.stderr.indexOf('fix:'));
    expect(fix).toMatch(/^fix: Try it offline with --sandbox .* auth login`.*TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/);
    // The raw store error is there, but after the ways forward.
    expect(fix.indexOf('credential store could not be read')).toBeGreaterThan(fix.indexOf('TWILIO_AUTH_TOKEN'));
    // Said once, not "was not read: The OS credential store could not be read: ...".
    expect(fix.match(/credential store (could not be|was not) read/g)).toHaveLength(1);
  });

  it('auth login with no credential store says so before asking the network (exit 4, not 6)', async () => {
    const { env, cwd } = isolatedEnv({ ...NO_BUS, OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
    // Verification on (the default) against an address where nothing answers: the store is checked first.
    const res = await telephony(['auth', 'login', '--account-sid', 'AC' + 'ef'.repeat(16), '--auth-token-stdin', '--sandbox'], { env, cwd, input: 'some-token-0123456789' });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain('credential store');
    expect(res.stderr).not.toContain('No sandbox answers');
  });
});

describe('wording and hints, each naming the problem and a fix that works for that command', () => {
  let sb: Sandbox;
  const { env, cwd } = isolatedEnv(NO_BUS);
  const run = (args: string[]) => telephony(args, { env, cwd });
  beforeAll(async () => {
    sb = await startSandbox({ port: 0 });
    env.OPENCLAW_TELEPHONY_SANDBOX_URL = sb.baseUrl;
  });
  afterAll(() => sb.close());

  it('numbers buy and release without --yes say what they would do and why, with the command to confirm', async () => {
    const offered = JSON.parse((await run(['numbers', 'search', '--sandbox', '--limit', '1', '--json'])).stdout).numbers[0].phone_number as string;
    const buy = await run(['numbers', 'buy', offered, '--sandbox']);
    expect(buy.code).toBe(2);
    expect(buy.stderr).toContain(`Refused to buy ${offered} without confirmation: Twilio charges a monthly fee for it.`);
    expect(buy.stderr).toContain(`numbers buy ${offered} --yes`);
    const own = sb.describe().numbers[0].phoneNumber;
    const release = await run(['numbers', 'release', own, '--sandbox']);
    expect(release.code).toBe(2);
    expect(release.stderr).toContain(`Refused to release ${own} without confirmation: releasing cannot be undone`);
    expect(release.stderr).not.toContain('costs money');
  });

  it('numbers search --country ZZ names the country, not "the SID and the account"', async () => {
    const zz = await run(['numbers', 'search', '--country', 'ZZ', '--sandbox']);
    expect(zz.code).toBe(2);
    expect(zz.stderr).toContain('--country ZZ is not a country code');
    expect(zz.stderr).toContain('--country US');
    // A real country where no numbers are offered.
    const none = await run(['numbers', 'search', '--country', 'CN', '--sandbox']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('No local numbers are offered in CN');
    expect(none.stderr).not.toContain('SID');
  });

  it('sandbox text tells the handset (--from) and the number texted (--to) apart', async () => {
    const number = sb.describe().numbers[0].phoneNumber;
    const badFrom = await run(['sandbox', 'text', '--from', '123', '--to', number, 'hi']);
    expect(badFrom.code).toBe(2);
    expect(badFrom.stderr).toContain('--from is the simulated handset');
    const badTo = await run(['sandbox', 'text', '--from', '+15550001111', '--to', '+15550002222', 'hi']);
    expect(badTo.code).toBe(2);
    expect(badTo.stderr).toContain(`--to must be one of the sandbox's numbers: ${number}`);
  });

  it('--to-file with a missing file says there is no such file, not ENOENT', async () => {
    const res = await run(['send', '--sandbox', '--to-file', 'nope.txt', 'hello']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--to-file nope.txt: there is no such file');
    expect(res.stderr).not.toContain('ENOENT');
    expect(res.stderr).toContain(cwd);
  });

  it('optouts add and numbers buy with a national number suggest only what those commands take', async () => {
    const optout = await run(['optouts', 'add', '555']);
    expect(optout.code).toBe(2);
    expect(optout.stderr).not.toContain('--default-country');
    expect(optout.stderr).toContain('sms.defaultCountry');
    const buy = await run(['numbers', 'buy', '5550001234', '--sandbox', '--yes']);
    expect(buy.code).toBe(2);
    expect(buy.stderr).not.toContain('--default-country');
    expect(buy.stderr).toContain('+15550005678');
  });

  it('several configuration errors keep each fix next to its problem', async () => {
    const { env: env2, cwd: cwd2 } = isolatedEnv(NO_BUS);
    writeFileSync(path.join(cwd2, 'openclaw.config.json5'), '{ channels: { telephony: { inboundPolicy: "sometimes", sms: { maxLength: 5000 } } } }');
    const res = await telephony(['send', '+15550005678', 'hi'], { env: env2, cwd: cwd2 });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('2 problems in the configuration');
    expect(res.stderr.match(/^\s+fix: /gm)?.length).toBe(3); // one per problem, and the overall one
    expect(res.stderr).toMatch(/inboundPolicy[^\n]*\n\s+fix: /);
    expect(res.stderr).toMatch(/maxLength[^\n]*\n\s+fix: /);
  });
});
