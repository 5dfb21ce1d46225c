/**
 * A clone that was never built (`npm install --ignore-scripts`, where policies forbid install scripts,
 * or a failed build) has no dist/: the binary says so and how to build, exit 3, instead of a
 * MODULE_NOT_FOUND stack and exit 1 (trial H11).
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';

function unbuiltClone(): string {
  const clone = mkdtempSync(path.join(os.tmpdir(), 'oct-unbuilt-'));
  mkdirSync(path.join(clone, 'bin'));
  for (const f of ['openclaw-telephony.js', 'package.json']) copyFileSync(path.join(REPO, 'bin', f), path.join(clone, 'bin', f));
  return clone;
}

describe('a clone that was never built', () => {
  it('names the missing build and the fix, exit 3, no stack', async () => {
    const clone = unbuiltClone();
    const res = await runCli(['--version'], { bin: path.join(clone, 'bin/openclaw-telephony.js'), cwd: clone });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`is not built (${path.join(clone, 'dist', 'bundle', 'bin.cjs')} is missing)`);
    expect(res.stderr).toContain(`fix: Run \`npm run build\` in ${clone}`);
    expect(res.stderr).not.toMatch(/MODULE_NOT_FOUND|\n\s+at /);
  });

  it('answers --json with one error line', async () => {
    const clone = unbuiltClone();
    const res = await runCli(['send', '+15550005678', 'hi', '--json'], { bin: path.join(clone, 'bin/openclaw-telephony.js'), cwd: clone });
    expect(res.code).toBe(3);
    expect(JSON.parse(res.stdout)).toMatchObject({ error: { code: 'not_built' } });
  });
});
