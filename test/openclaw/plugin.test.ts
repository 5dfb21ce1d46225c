/**
 * Issue #18: this package as a plugin of the real OpenClaw, installed as its users install it: from
 * the packed tarball (`npm-pack:`, the same managed npm project as a registry install, dependencies
 * installed with scripts disabled, so better-sqlite3's native addon is never built and the store runs
 * on node:sqlite), into a fresh OpenClaw home. It is inspected clean, `openclaw --help` lists
 * `telephony`, `openclaw telephony ...` runs the command tree (a send reaches the sandbox), and
 * `channels.telephony` in OpenClaw's openclaw.json is the configuration it reads. The `--link`
 * install of a clone (development) is what gateway-channel.test.ts uses.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isolatedEnv, runCli, startCli } from '../helpers/cli.js';
import { HAVE_OPENCLAW_BIN, OPENCLAW_BIN, openclaw, packSelf, withoutVitestEnv } from '../helpers/openclaw.js';

describe.skipIf(!HAVE_OPENCLAW_BIN)('openclaw-telephony inside OpenClaw, installed from the packed tarball', () => {
  // npm's own cache (the isolated home would start it empty, and OpenClaw's npm install downloads every dependency).
  const { env, home, cwd } = isolatedEnv({ npm_config_update_notifier: 'false', npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), '.npm') });
  const oc = (args: string[]) => openclaw(args, env, cwd);
  const installed = path.join(home, '.openclaw/npm/projects/openclaw-telephony/node_modules');
  let sandbox: Awaited<ReturnType<typeof startCli>>;

  beforeAll(async () => {
    sandbox = await startCli(['sandbox', '--port', '0', '--json'], { env, cwd });
    env.OPENCLAW_TELEPHONY_SANDBOX_URL = JSON.parse(sandbox.firstLine).baseUrl;
    const install = await oc(['plugins', 'install', `npm-pack:${await packSelf()}`, '--force', '--accept-capabilities']);
    expect(install.code, install.stderr + install.stdout).toBe(0);
  }, 600_000);
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('needs no native build: better-sqlite3 is installed unbuilt, and the store runs on node:sqlite (doctor names it)', async () => {
    expect(existsSync(path.join(installed, 'better-sqlite3/package.json'))).toBe(true);
    expect(existsSync(path.join(installed, 'better-sqlite3/build'))).toBe(false);
    // The installed package's own CLI, under this Node: no OpenClaw start-up needed to read doctor.
    const doctor = await runCli(['doctor', '--json'], { env, cwd, bin: path.join(installed, 'openclaw-telephony/bin/openclaw-telephony.js') });
    expect(doctor.stderr).toBe('');
    const store = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === 'store');
    expect(store).toMatchObject({ status: 'pass', detail: expect.stringContaining('driver node:sqlite') });
  }, 600_000);

  it("installs no pure-JavaScript dependency, and a running plugin command's capture copy holds only the bundle and the native packages", async () => {
    // OpenClaw copies the plugin's package and every package it declares, transitively, into
    // ~/.openclaw/tmp/plugin-captures each time it loads the plugin (for as long as the command runs; the
    // Gateway's for its lifetime). The bundle carries the JavaScript; only the native packages are declared.
    const packages = listPackages(installed);
    for (const bundled of ['fastify', 'kysely', 'libphonenumber-js', 'undici', 'ink', 'react', 'pg', 'commander']) expect(packages).not.toContain(bundled);
    expect(packages).toContain('@napi-rs/keyring');
    const captures = path.join(home, '.openclaw/tmp/plugin-captures');
    const child = spawn(OPENCLAW_BIN!, ['telephony', 'sandbox', '--port', '0', '--json'], { env: withoutVitestEnv(env), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    try {
      const ready = await vi.waitFor(() => {
        const line = stdout.split('\n').find((l, i, all) => i < all.length - 1 && l.startsWith('{'));
        expect(line).toBeDefined();
        return line!;
      }, { timeout: 300_000, interval: 500 });
      expect(JSON.parse(ready)).toMatchObject({ baseUrl: expect.stringMatching(/^http:/) });
      // One folder per copy: the one it runs, and a second for recovery.
      const copies = readdirSync(captures).flatMap((instance) => {
        const folder = path.join(captures, instance, 'captures');
        return existsSync(folder) ? readdirSync(folder).map((build) => walk(path.join(folder, build))) : [];
      });
      expect(copies.length).toBeGreaterThan(0);
      for (const copied of copies) {
        expect(copied.packages).toContain('openclaw-telephony');
        for (const bundled of ['fastify', 'kysely', 'libphonenumber-js', 'ink', 'react', 'pg']) expect(copied.packages).not.toContain(bundled);
        // ~35 MB here (the bundle ~8 MB, the keyring and ngrok addons ~14 MB, better-sqlite3's package and
        // its install-time helpers ~13 MB); it was ~100 MB in ~7,500 files with the dependencies declared.
        expect(copied.bytes).toBeLessThan(48 * 1024 * 1024);
        expect(copied.files).toBeLessThan(1_500);
      }
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 600_000);

  it('is inspected clean: loaded, owns the telephony channel config, no diagnostics', async () => {
    const res = await oc(['plugins', 'inspect', 'openclaw-telephony', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout, res.stderr).toMatch(/^\s*\{/);
    const report = JSON.parse(res.stdout);
    expect(report.plugin).toMatchObject({ id: 'openclaw-telephony', status: 'loaded', enabled: true, channelIds: ['telephony'] });
    expect(report.diagnostics).toEqual([]);
  }, 600_000);

  it('root help lists `telephony`; `openclaw telephony --help` lists the commands', async () => {
    const root = await oc(['--help']);
    expect(root.stdout).toMatch(/telephony \*?\s+The phone line of an AI agent/);
    const tree = await oc(['telephony', '--help']);
    expect(tree.code).toBe(0);
    for (const word of ['send', 'serve', 'pairing', 'sandbox', 'config', '--telephony-profile']) expect(tree.stdout).toContain(word);
    // OpenClaw's own --profile stays OpenClaw's; `completion` is OpenClaw's too.
    expect(tree.stdout).not.toMatch(/^\s+--profile/m);
    expect(tree.stdout).not.toMatch(/^\s+completion/m);
  }, 600_000);

  it('`openclaw telephony send --sandbox --json` reaches the sandbox; hints say `openclaw telephony`', async () => {
    const sent = await oc(['telephony', 'send', '+15550005678', 'hello from OpenClaw', '--sandbox', '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).not.toMatch(/ExperimentalWarning|SQLite/);
    expect(JSON.parse(sent.stdout)).toMatchObject({ sid: expect.stringMatching(/^SM/), to: '+15550005678', status: 'queued' });
    const inbox = await runCli(['sandbox', 'inbox', '+15550005678', '--json'], { env, cwd });
    expect(JSON.parse(inbox.stdout).messages.map((m: { body: string }) => m.body)).toContain('hello from OpenClaw');
    const usage = await oc(['telephony', 'send']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('openclaw telephony send +15550005678');
  }, 600_000);

  it("reads channels.telephony from OpenClaw's openclaw.json", async () => {
    const file = path.join(home, '.openclaw/openclaw.json');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...doc, channels: { telephony: { fromNumber: '+15550004321' } } }, null, 2));
    const res = await oc(['telephony', 'config', 'show', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const shown = JSON.parse(res.stdout);
    expect(shown.file).toBe(file);
    expect(shown.values.find((v: { key: string }) => v.key === 'fromNumber')).toMatchObject({ value: '+15550004321', source: 'file' });
  }, 600_000);

  it("`openclaw doctor` reports channels.telephony's problems by key, secrets never shown; a sound section passes", async () => {
    const file = path.join(home, '.openclaw/openclaw.json');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const token = 'tok-4f9e2a7c1b-secret';
    const misplaced = 'tok-88d1c0ffee-secret';
    const section = { fromNumber: '5550001234', inboundPolicy: 'everyone', sms: { maxLength: 5000 }, twilio: { accountSid: 'AC123', authToken: token, authTokn: misplaced } };
    writeFileSync(file, JSON.stringify({ ...doc, channels: { telephony: section } }, null, 2));
    const doctor = await oc(['doctor', '--non-interactive']);
    const out = doctor.stdout + doctor.stderr;
    for (const key of ['fromNumber', 'inboundPolicy', 'sms.maxLength', 'twilio.accountSid']) expect(out).toMatch(new RegExp(`channels\\.telephony\\.${key.replace('.', '\\.')}: invalid config for plugin openclaw-telephony`));
    expect(out).toMatch(/channels\.telephony\.twilio: invalid config for plugin openclaw-telephony: must not have additional properties: "authTokn"/);
    expect(out).not.toContain(token);
    expect(out).not.toContain(misplaced);
    // The same for `config validate`, which fails.
    const validate = await oc(['config', 'validate']);
    expect(validate.code).not.toBe(0);
    expect(validate.stdout + validate.stderr).toContain('channels.telephony.fromNumber');
    expect(validate.stdout + validate.stderr).not.toContain(token);

    const sound = { fromNumber: '+15550004321', twilio: { accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: { source: 'env', provider: 'default', id: 'TWILIO_AUTH_TOKEN' } } };
    writeFileSync(file, JSON.stringify({ ...doc, channels: { telephony: sound } }, null, 2));
    const clean = await oc(['config', 'validate']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect((await oc(['doctor', '--non-interactive'])).stdout).not.toContain('channels.telephony');
  }, 600_000);
});

/** The package names in a node_modules folder (scoped ones as @scope/name). */
function listPackages(nodeModules: string): string[] {
  return readdirSync(nodeModules).flatMap((name) => (name.startsWith('@') ? readdirSync(path.join(nodeModules, name)).map((inner) => `${name}/${inner}`) : [name]));
}

/** Regular files and their bytes under a folder (links not followed), and the packages found in its node_modules folders. */
function walk(root: string): { files: number; bytes: number; packages: string[] } {
  const found = { files: 0, bytes: 0, packages: new Set<string>() };
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (path.basename(dir) === 'node_modules' && !entry.name.startsWith('@')) found.packages.add(entry.name);
      if (path.basename(path.dirname(dir)) === 'node_modules' && path.basename(dir).startsWith('@')) found.packages.add(`${path.basename(dir)}/${entry.name}`);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile()) {
        found.files += 1;
        found.bytes += lstatSync(full).size;
      }
    }
  };
  if (existsSync(root)) visit(root);
  return { ...found, packages: [...found.packages] };
}
