/**
 * The errors a newcomer meets in the first hour name the actual problem and a fix that works for
 * that command: unknown profiles, missing credentials, no credential store.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
    expect(fix).toMatch(/^fix: Try it offline with --sandbox .*`openclaw telephony auth login`.*TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/);
    // The raw store error is there, but after the ways forward.
    expect(fix.indexOf('credential store was not read')).toBeGreaterThan(fix.indexOf('TWILIO_AUTH_TOKEN'));
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
