/**
 * Issue #18: this package as a plugin of the real OpenClaw, installed as its users install it: from
 * the packed tarball (`npm-pack:`, the same managed npm project as a registry install, dependencies
 * installed with scripts disabled, so better-sqlite3's native addon is never built and the store runs
 * on node:sqlite), into a fresh OpenClaw home. It is inspected clean, `openclaw --help` lists
 * `telephony`, `openclaw telephony ...` runs the command tree (a send reaches the sandbox), and
 * `channels.telephony` in OpenClaw's openclaw.json is the configuration it reads. The `--link`
 * install of a clone (development) is what gateway-channel.test.ts uses.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, startCli } from '../helpers/cli.js';
import { HAVE_OPENCLAW_BIN, openclaw, packSelf } from '../helpers/openclaw.js';

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
