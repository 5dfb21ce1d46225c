/**
 * Issue #18: the package installs only `openclaw-telephony`, so a global install sits beside OpenClaw's
 * own `openclaw` in either order (it used to fail with EEXIST on bin/openclaw).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec, HAVE_OPENCLAW, npm, OPENCLAW_SPEC, packSelf } from '../helpers/openclaw.js';

const bin = (prefix: string, name: string) => (process.platform === 'win32' ? path.join(prefix, `${name}.cmd`) : path.join(prefix, 'bin', name));

async function installGlobally(prefix: string, spec: string) {
  // Install scripts (better-sqlite3's native build) are not what this test is about.
  const res = await npm(['install', '-g', '--prefix', prefix, '--ignore-scripts', spec]);
  expect(res.stderr).not.toContain('EEXIST');
  expect(res.code, res.stderr).toBe(0);
}

describe.skipIf(!HAVE_OPENCLAW)('global install beside OpenClaw', () => {
  // One prefix, both orders (OpenClaw's install is the slow part, so it happens once):
  // ours then openclaw; then ours removed and installed again beside the installed openclaw.
  it('openclaw-telephony then openclaw, and openclaw then openclaw-telephony: both binaries, no EEXIST', async () => {
    const prefix = mkdtempSync(path.join(os.tmpdir(), 'oct-global-'));
    const tarball = await packSelf();
    await installGlobally(prefix, tarball);
    await installGlobally(prefix, OPENCLAW_SPEC!);
    const remove = await npm(['uninstall', '-g', '--prefix', prefix, 'openclaw-telephony']);
    expect(remove.code, remove.stderr).toBe(0);
    expect(existsSync(bin(prefix, 'openclaw-telephony'))).toBe(false);
    await installGlobally(prefix, tarball);
    const version = await exec(bin(prefix, 'openclaw-telephony'), ['--version']);
    expect(version.stdout.trim()).toBe('0.1.0');
    const theirs = await exec(bin(prefix, 'openclaw'), ['--version']);
    expect(theirs.stdout).toMatch(/^OpenClaw \d{4}\./);
  }, 900_000);
});
