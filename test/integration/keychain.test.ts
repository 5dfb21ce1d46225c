/**
 * The real OS credential store: `npm test` runs inside a D-Bus session with an unlocked gnome-keyring
 * (scripts/test-env.mjs), so these tests talk to a real Secret Service.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';

const hasKeyring = Boolean(process.env.OPENCLAW_TEST_KEYRING);
if (!hasKeyring && process.env.CI) throw new Error('CI must run the credential-store tests in a D-Bus session: use `npm test`.');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out;
}

describe.skipIf(!hasKeyring)('auth with the real Secret Service', () => {
  it('login stores the token in the keychain only; status reports keychain; logout removes it', async () => {
    const { env, cwd, home } = isolatedEnv({ DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS });
    const profile = `t${Date.now().toString(36)}`;
    const token = `${Math.random().toString(16).slice(2)}${'a1b2c3d4e5f6a7b8c9d0'}`.slice(0, 32);
    const sid = 'AC' + 'ab'.repeat(16);
    const login = await telephony(['auth', 'login', '--profile', profile, '--account-sid', sid, '--auth-token-stdin', '--no-verify', '--json'], { env, cwd, input: `${token}\n` });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).not.toContain(token);

    const status = JSON.parse((await telephony(['auth', 'status', '--profile', profile, '--json'], { env, cwd })).stdout);
    expect(status.credentialStore.available).toBe(true);
    const byKey = Object.fromEntries(status.credentials.map((c: { key: string }) => [c.key, c]));
    expect(byKey['twilio.authToken']).toMatchObject({ set: true, source: 'keychain' });
    expect(byKey['twilio.accountSid']).toMatchObject({ set: true, source: 'keychain' });
    expect(JSON.stringify(status)).not.toContain(token);

    // Nowhere on disk in clear: not in the home folder the CLI used (config, data, cache).
    for (const file of filesUnder(home)) expect(readFileSync(file).includes(token), file).toBe(false);

    const shown = await telephony(['config', 'show', '--profile', profile], { env, cwd });
    expect(shown.stdout).toContain('keychain');
    expect(shown.stdout).not.toContain(token);

    const logout = JSON.parse((await telephony(['auth', 'logout', '--profile', profile, '--json'], { env, cwd })).stdout);
    expect(logout.removed.sort()).toEqual(['twilio.accountSid', 'twilio.authToken']);
    const after = JSON.parse((await telephony(['auth', 'status', '--profile', profile, '--json'], { env, cwd })).stdout);
    expect(after.credentials.find((c: { key: string }) => c.key === 'twilio.authToken').set).toBe(false);
  });

  it('login --sandbox verifies the pair against the sandbox before storing it', async () => {
    const sb = await startSandbox({ port: 0 });
    try {
      const a = sb.describe();
      const { env, cwd } = isolatedEnv({ DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS, OPENCLAW_TELEPHONY_SANDBOX_URL: a.baseUrl });
      const profile = `s${Date.now().toString(36)}`;
      const login = await telephony(['auth', 'login', '--sandbox', '--profile', profile, '--account-sid', a.accountSid, '--auth-token-stdin', '--json'], { env, cwd, input: a.authToken });
      expect(login.code).toBe(0);
      expect(JSON.parse(login.stdout)).toMatchObject({ stored: true, verified: true });
      const status = JSON.parse((await telephony(['auth', 'status', '--profile', profile, '--json'], { env, cwd })).stdout);
      expect(status.credentials.find((c: { key: string }) => c.key === 'twilio.authToken')).toMatchObject({ set: true, source: 'keychain' });
      await telephony(['auth', 'logout', '--profile', profile], { env, cwd });
    } finally {
      await sb.close();
    }
  });

  it('auth set stores one more secret (the ngrok token) from standard input', async () => {
    const { env, cwd } = isolatedEnv({ DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS });
    const profile = `n${Date.now().toString(36)}`;
    const set = await telephony(['auth', 'set', 'tunnel.ngrokAuthToken', '--profile', profile], { env, cwd, input: '2ngrok_secret_value_0123456789\n' });
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain('2ngrok_secret_value_0123456789');
    const status = JSON.parse((await telephony(['auth', 'status', '--profile', profile, '--json'], { env, cwd })).stdout);
    expect(status.credentials.find((c: { key: string }) => c.key === 'tunnel.ngrokAuthToken')).toMatchObject({ set: true, source: 'keychain' });
    const logout = JSON.parse((await telephony(['auth', 'logout', '--profile', profile, '--json'], { env, cwd })).stdout);
    expect(logout.removed).toContain('tunnel.ngrokAuthToken');
  });

  it('environment variables win over the keychain', async () => {
    const { env, cwd } = isolatedEnv({ DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS });
    const profile = `e${Date.now().toString(36)}`;
    await telephony(['auth', 'login', '--profile', profile, '--account-sid', 'AC' + 'cd'.repeat(16), '--auth-token-stdin', '--no-verify'], { env, cwd, input: 'keychain-token-0123456789' });
    const status = JSON.parse((await telephony(['auth', 'status', '--profile', profile, '--json'], { env: { ...env, TWILIO_AUTH_TOKEN: 'env-token-0123456789abcdef' }, cwd })).stdout);
    expect(status.credentials.find((c: { key: string }) => c.key === 'twilio.authToken').source).toBe('env');
    await telephony(['auth', 'logout', '--profile', profile], { env, cwd });
  });
});

describe('without a credential store', () => {
  it('says so and names the ways forward instead of writing a file', async () => {
    const { env, cwd } = isolatedEnv({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
    const res = await telephony(['auth', 'login', '--account-sid', 'AC' + 'ef'.repeat(16), '--auth-token-stdin', '--no-verify'], { env, cwd, input: 'some-token-0123456789' });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain('credential store');
    expect(res.stderr).toContain('TWILIO_AUTH_TOKEN');
    expect(res.stderr).not.toContain('some-token-0123456789');
  });
});
