// `openclaw --help` with and without this plugin (target: <= 1.05x). Needs the real OpenClaw (Node >= 24.16):
// OPENCLAW_TELEPHONY_TEST_OPENCLAW_BIN names its binary (`.ci/node24` installs one); skipped without it.
// Both homes hold the same OpenClaw configuration: one with the plugin linked from this clone, the other
// the same home after `plugins uninstall`. Runs alternate, and the CPU time of the whole process tree is
// reported besides wall time, which a busy machine makes noisy.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isolatedBenchEnv, median, printRow, REPO } from './lib.mjs';

const RUNS = 9;
const TELEPHONY_RUNS = 5;

/** The user + system time of the finished children that the shell's `times` printed (its second line), in ms. */
function childCpuMs(res) {
  const [, child] = res.stdout.trim().split('\n');
  const [user, sys] = child.split(/\s+/).map((t) => { const m = /(\d+)m([\d.]+)s/.exec(t); return Number(m[1]) * 60 + Number(m[2]); });
  return (user + sys) * 1000;
}

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
      times[name].cpu.push(childCpuMs(res));
    }
  }
  const row = (name) => ({ median_wall_ms: Math.round(median(times[name].wall)), median_cpu_ms: Math.round(median(times[name].cpu)), runs: RUNS });
  printRow('openclaw --help without the plugin', row('without'));
  printRow('openclaw --help with the plugin', { ...row('with'), cpu_ratio: (median(times.with.cpu) / median(times.without.cpu)).toFixed(3) }, '<= 1.05x');
  telephonyHelp(bin, median(times.without.cpu));
}

/**
 * `openclaw telephony --help` with the plugin installed as users install it (the packed tarball), which
 * loads the plugin's entry: OpenClaw first copies the installed package and the packages it declares
 * (docs/ARCHITECTURE.md, "OpenClaw plugin: what gets copied"). Reported beside bare `openclaw --help`.
 */
function telephonyHelp(bin, bareCpuMs) {
  const packed = isolatedBenchEnv('oct-bench-pack-');
  const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packed.home], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop();
  const installed = isolatedBenchEnv('oct-bench-octgz-', { npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), '.npm') });
  execFileSync(bin, ['plugins', 'install', `npm-pack:${path.join(packed.home, tarball)}`, '--force', '--accept-capabilities'], { env: installed.env, stdio: 'ignore' });
  const wall = [];
  const cpu = [];
  for (let i = 0; i < TELEPHONY_RUNS; i++) {
    const start = process.hrtime.bigint();
    cpu.push(childCpuMs(spawnSync('bash', ['-c', `"$0" telephony --help >/dev/null 2>&1; times`, bin], { env: installed.env, encoding: 'utf8' })));
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  printRow('openclaw telephony --help (tarball install)', { median_wall_ms: Math.round(median(wall)), median_cpu_ms: Math.round(median(cpu)), cpu_vs_bare_help: (median(cpu) / bareCpuMs).toFixed(2), runs: TELEPHONY_RUNS });
}
