/**
 * `npx openclaw-telephony` in a clone runs the package's `prepare` (the build) again, while other
 * processes may be running the binary: the bundle step must never leave dist/bundle without its entry
 * files. It used to empty the folder before esbuild wrote it again, and binaries started in that window
 * failed with ERR_MODULE_NOT_FOUND (seen in the full suite next to the printed-commands test).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

const BUNDLE = path.join(REPO, 'dist/bundle');
const ENTRIES = ['main.js', 'openclaw-plugin.js', 'send/send.cjs', 'bin.cjs'].map((file) => path.join(BUNDLE, file));

describe('rebuilding the bundle while the binary runs', () => {
  it('never leaves an entry file missing, and leaves no build folder behind', async () => {
    const missing: string[] = [];
    let checks = 0;
    const child = spawn(process.execPath, [path.join(REPO, 'scripts/bundle.mjs')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let done = false;
    void exited.then(() => (done = true));
    // Look as often as the event loop allows until the build ends (bounded by the build itself).
    while (!done) {
      for (const file of ENTRIES) if (!existsSync(file)) missing.push(path.relative(BUNDLE, file));
      checks += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await exited, stderr).toBe(0);
    expect(checks).toBeGreaterThan(10);
    expect(missing).toEqual([]);
    expect(readdirSync(path.join(REPO, 'dist')).filter((name) => name.startsWith('.bundle-'))).toEqual([]);
  }, 120_000);
});
