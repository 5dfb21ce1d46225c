/**
 * `npm install` where better-sqlite3 cannot be built (offline, no C++ toolchain): npm skips that
 * optional dependency, then `prepare` builds the bundle, which used to die on `Could not resolve
 * "better-sqlite3/lib/index.js"` (trial F1). The bundle builds without it, and the CLI built so runs:
 * its store uses node:sqlite where this Node has it, else doctor names the fix. Built here in a copy
 * of the project whose node_modules has every package but better-sqlite3.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, REPO, telephony } from '../helpers/cli.js';

const copy = mkdtempSync(path.join(os.tmpdir(), 'oct-no-bsq3-'));

/** Whether this Node has a usable node:sqlite (Node 22.5 and later). */
function hasNodeSqlite(): boolean {
  try {
    createRequire(import.meta.url)('node:sqlite');
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  for (const part of ['src', 'scripts', 'bin', 'package.json']) cpSync(path.join(REPO, part), path.join(copy, part), { recursive: true });
  const modules = realpathSync(path.join(REPO, 'node_modules'));
  mkdirSync(path.join(copy, 'node_modules'));
  for (const name of readdirSync(modules)) if (name !== 'better-sqlite3') symlinkSync(path.join(modules, name), path.join(copy, 'node_modules', name));
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('the bundle without better-sqlite3', () => {
  it('builds, and the CLI built so answers doctor about its store', async () => {
    const built = spawnSync(process.execPath, ['scripts/bundle.mjs'], { cwd: copy, encoding: 'utf8' });
    expect(built.stderr).not.toMatch(/Could not resolve/);
    expect(built.status).toBe(0);
    for (const file of ['bin.cjs', 'main.js', 'send/send.cjs']) expect(existsSync(path.join(copy, 'dist/bundle', file))).toBe(true);

    const { env, cwd } = isolatedEnv();
    const res = await telephony(['doctor', '--json'], { env, cwd, bin: path.join(copy, 'bin/openclaw-telephony.js') });
    const store = (JSON.parse(res.stdout) as { checks: { name: string; status: string; detail: string; fix: string | null }[] }).checks.find((c) => c.name === 'store');
    if (hasNodeSqlite()) expect(store).toMatchObject({ status: 'pass', detail: expect.stringContaining('node:sqlite') });
    else expect(store).toMatchObject({ status: 'fail', detail: expect.stringContaining('No SQLite driver works'), fix: expect.stringContaining('npm install better-sqlite3') });
  }, 120_000);
});
