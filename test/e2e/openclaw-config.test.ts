/**
 * Issue #18: `channels.telephony` in OpenClaw's own configuration file, found as OpenClaw finds it
 * (OPENCLAW_CONFIG_PATH, OPENCLAW_STATE_DIR, the state folder of OPENCLAW_PROFILE, ~/.openclaw), and
 * an OpenClaw SecretRef for the auth token. One documented rule says which file wins.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, telephony } from '../helpers/cli.js';

function write(file: string, doc: unknown): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

const openclawDoc = (fromNumber: string) => ({ gateway: { port: 18789 }, channels: { telephony: { fromNumber } } });

async function shown(env: NodeJS.ProcessEnv, cwd: string) {
  const res = await telephony(['config', 'show', '--json'], { env, cwd });
  expect(res.code, res.stderr).toBe(0);
  const data = JSON.parse(res.stdout);
  return { file: data.file as string | null, fromNumber: data.values.find((v: { key: string }) => v.key === 'fromNumber') };
}

describe("OpenClaw's configuration file", () => {
  it('is found at ~/.openclaw/openclaw.json, and `config show` names it', async () => {
    const { env, home, cwd } = isolatedEnv();
    const file = write(path.join(home, '.openclaw/openclaw.json'), openclawDoc('+15550001234'));
    expect(await shown(env, cwd)).toEqual({ file, fromNumber: expect.objectContaining({ value: '+15550001234', source: 'file' }) });
    const human = await telephony(['config', 'show'], { env, cwd });
    expect(human.stdout).toContain(`file: ${file}`);
  });

  it('follows OPENCLAW_PROFILE, OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH as OpenClaw does', async () => {
    const { env, home, cwd } = isolatedEnv();
    write(path.join(home, '.openclaw/openclaw.json'), openclawDoc('+15550000001'));
    const work = write(path.join(home, '.openclaw-work/openclaw.json'), openclawDoc('+15550000002'));
    expect((await shown({ ...env, OPENCLAW_PROFILE: 'work' }, cwd)).file).toBe(work);
    const state = write(path.join(home, 'state/openclaw.json'), openclawDoc('+15550000003'));
    expect((await shown({ ...env, OPENCLAW_STATE_DIR: path.join(home, 'state') }, cwd)).file).toBe(state);
    const explicit = write(path.join(home, 'elsewhere.json'), openclawDoc('+15550000004'));
    expect((await shown({ ...env, OPENCLAW_CONFIG_PATH: explicit, OPENCLAW_PROFILE: 'work' }, cwd)).file).toBe(explicit);
  });

  it('a project file wins over it; without a channels.telephony section it is passed over', async () => {
    const { env, home, cwd } = isolatedEnv();
    const openclaw = write(path.join(home, '.openclaw/openclaw.json'), { gateway: { port: 1 } });
    const user = write(path.join(home, '.config/openclaw/config.json5'), { channels: { telephony: { fromNumber: '+15550000005' } } });
    expect((await shown(env, cwd)).file).toBe(user);
    write(openclaw, openclawDoc('+15550000006'));
    expect((await shown(env, cwd)).file).toBe(openclaw);
    const project = write(path.join(cwd, '.openclawrc.json'), { channels: { telephony: { fromNumber: '+15550000007' } } });
    expect((await shown(env, cwd)).file).toBe(project);
  });

  it('the user folder comes after it whatever the name there: config.json and config.yaml included', async () => {
    // cosmiconfig's own "global" step used to read config, config.json, config.yaml (or run config.js)
    // from the user folder before OpenClaw's file, against the documented order.
    const { env, home, cwd } = isolatedEnv();
    const openclaw = write(path.join(home, '.openclaw/openclaw.json'), openclawDoc('+15550000008'));
    write(path.join(home, '.config/openclaw/config.json'), { channels: { telephony: { fromNumber: '+15550000009' } } });
    writeFileSync(path.join(home, '.config/openclaw/config.yaml'), 'channels:\n  telephony:\n    fromNumber: "+15550000010"\n');
    expect(await shown(env, cwd)).toEqual({ file: openclaw, fromNumber: expect.objectContaining({ value: '+15550000008' }) });
  });

  it("a package.json with OpenClaw's plugin metadata (no channels) is not a configuration file", async () => {
    const { env, cwd } = isolatedEnv();
    write(path.join(cwd, 'package.json'), { name: 'x', openclaw: { extensions: ['./index.js'] } });
    expect((await shown(env, cwd)).file).toBeNull();
  });

  it('takes the auth token from an env SecretRef, shows where it came from, never its value', async () => {
    const token = 'f'.repeat(32);
    const { env, home, cwd } = isolatedEnv({ OCT_TEST_TWILIO_TOKEN: token });
    const ref = { source: 'env', provider: 'default', id: 'OCT_TEST_TWILIO_TOKEN' };
    write(path.join(home, '.openclaw/openclaw.json'), { channels: { telephony: { twilio: { accountSid: `AC${'1'.repeat(32)}`, authToken: ref } } } });
    const status = await telephony(['auth', 'status', '--json'], { env, cwd });
    const authToken = JSON.parse(status.stdout).credentials.find((c: { key: string }) => c.key === 'twilio.authToken');
    expect(authToken).toMatchObject({ set: true, source: 'secretref' });
    const validate = await telephony(['config', 'validate', '--json'], { env, cwd });
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, warnings: [] });
    const show = await telephony(['config', 'show'], { env, cwd });
    for (const out of [status.stdout, status.stderr, validate.stdout, show.stdout, show.stderr]) expect(out).not.toContain(token);

    // Unset, the reference is reported by name, with the fix.
    const unset = await telephony(['config', 'validate', '--json'], { env: { ...env, OCT_TEST_TWILIO_TOKEN: '' }, cwd });
    expect(JSON.parse(unset.stdout).warnings).toEqual([expect.objectContaining({ path: 'channels.telephony.twilio.authToken', message: expect.stringContaining('env:default:OCT_TEST_TWILIO_TOKEN') })]);
  });
});
