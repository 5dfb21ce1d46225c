// `openclaw --help` with and without this plugin (target: <= 1.05x). Needs the real OpenClaw (Node >= 24.16):
// OPENCLAW_TELEPHONY_TEST_OPENCLAW_BIN names its binary (`.ci/node24` installs one); skipped without it.
// Both homes hold the same OpenClaw configuration: one with the plugin linked from this clone, the other
// the same home after `plugins uninstall`. Runs alternate, and the CPU time of the whole process tree is
// reported besides wall time, which a busy machine makes noisy.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { isolatedBenchEnv, median, printRow, REPO } from './lib.mjs';

const RUNS = 9;

export async function run() {
  const bin = process.env.OPENCLAW_TELEPHONY_TEST_OPENCLAW_BIN;
  if (!bin) return printRow('openclaw --help: skipped (set OPENCLAW_TELEPHONY_TEST_OPENCLAW_BIN)', {});
  const withPlugin = isolatedBenchEnv('oct-bench-oc-');
  execFileSync(bin, ['plugins', 'install', '--link', '--force', '--accept-capabilities', REPO], { env: withPlugin.env, stdio: 'ignore' });
  const without = isolatedBenchEnv('oct-bench-oc0-');
  cpSync(path.join(withPlugin.home, '.openclaw'), path.join(without.home, '.openclaw'), { recursive: true });
  execFileSync(bin, ['plugins', 'uninstall', 'openclaw-telephony', '--force'], { env: without.env, stdio: 'ignore' });
  const times = { with: { wall: [], cpu: [] }, without: { wall: [], cpu: [] } };
  for (let i = 0; i < RUNS; i++) {
    for (const [name, h] of [['without', without], ['with', withPlugin]]) {
      // The shell's `times` gives its finished children's user and system time (the second line).
      const start = process.hrtime.bigint();
      const res = spawnSync('bash', ['-c', `"$0" --help >/dev/null 2>&1; times`, bin], { env: h.env, encoding: 'utf8' });
      times[name].wall.push(Number(process.hrtime.bigint() - start) / 1e6);
      const [, child] = res.stdout.trim().split('\n');
      const [user, sys] = child.split(/\s+/).map((t) => { const m = /(\d+)m([\d.]+)s/.exec(t); return Number(m[1]) * 60 + Number(m[2]); });
      times[name].cpu.push((user + sys) * 1000);
    }
  }
  const row = (name) => ({ median_wall_ms: Math.round(median(times[name].wall)), median_cpu_ms: Math.round(median(times[name].cpu)), runs: RUNS });
  printRow('openclaw --help without the plugin', row('without'));
  printRow('openclaw --help with the plugin', { ...row('with'), cpu_ratio: (median(times.with.cpu) / median(times.without.cpu)).toFixed(3) }, '<= 1.05x');
}
