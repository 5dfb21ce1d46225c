/**
 * src/cli/cached-bundle.ts leaves V8's flags as it found them: the checksum flag it sets to compile the
 * bundle would otherwise make V8 refuse every code cache made under Node's default flags, Node's own
 * for node:http, node:net and the streams that a send loads after the bundle among them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { requireCachedBundle } from '../../src/cli/cached-bundle.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('requireCachedBundle', () => {
  it('runs the bundle, and code caches made before it are still accepted after it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-cached-bundle-'));
    dirs.push(dir);
    const bundle = path.join(dir, 'probe.cjs');
    writeFileSync(bundle, `// bundle ${'ab'.repeat(32)}\nmodule.exports = { answer: 6 * 7 };\n`);
    // A cache made under the flags as they are now (as Node's embedded caches of its own modules are).
    const source = 'Math.max(1, 2) + 40';
    const before = new vm.Script(source, { filename: 'before.js' }).createCachedData();

    const exports = requireCachedBundle(bundle, path.join(dir, 'cache'), () => false);

    expect(exports.answer).toBe(42);
    // Another file name: V8 compiles it anew (its in-memory cache would answer for the same name) and reads the cache.
    const after = new vm.Script(source, { filename: 'after.js', cachedData: before });
    expect(after.cachedDataRejected).toBe(false);
  });
});
