import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, telephony } from '../helpers/cli.js';
import path from 'node:path';
import { REPO } from '../helpers/cli.js';

describe('the CLI as a user runs it', () => {
  it('prints its version and help', async () => {
    const { env } = isolatedEnv();
    const v = await telephony(['--version'], { env });
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runCli(['--help'], { env, bin: path.join(REPO, 'bin/openclaw-telephony.js') });
    expect(help.code).toBe(0);
    for (const cmd of ['auth', 'config', 'completion', 'doctor']) expect(help.stdout).toContain(cmd);
  });

  it('exits 2 on an unknown command, with a JSON error under --json', async () => {
    const { env } = isolatedEnv();
    const human = await telephony(['frobnicate'], { env });
    expect(human.code).toBe(2);
    expect(human.stderr).toContain("unknown command 'frobnicate'");
    const json = await telephony(['frobnicate', '--json'], { env });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'usage', message: expect.stringContaining('frobnicate'), hint: expect.any(String) } });
  });

  it('doctor passes its checks on a fresh machine and reports JSON', async () => {
    const { env, cwd } = isolatedEnv();
    const res = await telephony(['doctor', '--json'], { env, cwd });
    const report = JSON.parse(res.stdout);
    expect(res.code).toBe(0);
    const byName = Object.fromEntries(report.checks.map((c: { name: string; status: string }) => [c.name, c.status]));
    expect(byName).toMatchObject({ node: 'pass', config: 'warn', store: 'pass' });
  });

  it('doctor fails with exit 3 on a broken config and says how to fix it', async () => {
    const { env, cwd } = isolatedEnv();
    await import('node:fs').then((fs) => fs.writeFileSync(path.join(cwd, '.openclawrc.json'), '{"channels":{"telephony":{"serve":{"port":"x"}}}}'));
    const res = await telephony(['doctor'], { env, cwd });
    expect(res.code).toBe(3);
    expect(res.stdout).toContain('FAIL');
    expect(res.stdout).toContain('config validate');
  });
});
