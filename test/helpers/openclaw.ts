/**
 * The real OpenClaw for the OpenClaw tests. They run where `.ci/run` provides it (its Node 24 leg:
 * OpenClaw needs Node >= 24.16): OPENCLAW_TELEPHONY_TEST_OPENCLAW names the `openclaw` package to install
 * (a packed tarball or a registry spec). Elsewhere they are skipped.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './cli.js';
import { exec, type Run } from './exec.js';

export { exec };

export const OPENCLAW_SPEC = process.env.OPENCLAW_TELEPHONY_TEST_OPENCLAW;
/** An installed `openclaw` binary (`.ci/node24` installs one), for the plugin tests. */
export const OPENCLAW_BIN = process.env.OPENCLAW_TELEPHONY_TEST_OPENCLAW_BIN;
const [major, minor] = process.versions.node.split('.').map(Number);
const NODE_FOR_OPENCLAW = major > 24 || (major === 24 && minor >= 16);
export const HAVE_OPENCLAW = Boolean(OPENCLAW_SPEC) && NODE_FOR_OPENCLAW;
export const HAVE_OPENCLAW_BIN = Boolean(OPENCLAW_BIN) && NODE_FOR_OPENCLAW;


/**
 * `openclaw <args>` in an isolated home (its ~/.openclaw is the test's own). Without vitest's variables:
 * OpenClaw takes VITEST / NODE_ENV=test for its own test runtime and behaves differently (`plugins
 * inspect --json` printed nothing).
 */
export function openclaw(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return exec(OPENCLAW_BIN!, args, { env: withoutVitestEnv(env), cwd, timeoutMs: 600_000 });
}

export function withoutVitestEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => !k.startsWith('VITEST') && !(k === 'NODE_ENV' && v === 'test')));
}

/** npm of this Node (npm-cli.js beside it when present, else the `npm` on the PATH). */
export function npm(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> {
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...opts.env };
  // A global install of OpenClaw (330 packages) took 3 min here at load 30: exec's default 5 min was too short.
  return exec('npm', args, { ...opts, env, timeoutMs: 600_000 });
}

let packed: Promise<string> | undefined;
/** This package as `npm pack` makes it (dist/ is already built by `npm test`). */
export function packSelf(): Promise<string> {
  packed ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-pack-'));
    const res = await npm(['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO });
    if (res.code !== 0) throw new Error(`npm pack failed: ${res.stderr}`);
    return path.join(dir, res.stdout.trim().split('\n').pop()!);
  })();
  return packed;
}
