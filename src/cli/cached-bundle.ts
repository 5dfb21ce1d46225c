/**
 * Loads a single-file CommonJS bundle (dist/bundle/send/send.cjs) through V8's code cache.
 *
 * Why: on Node 20 compiling the JavaScript of a one-message `send` was a fifth of its start-up, and
 * Node 20 has no compile cache of its own (module.enableCompileCache() came in Node 22). So the
 * bundle is compiled with vm.Script and V8's cached data, kept in the user's cache folder, one file
 * per bundle and Node version. The cache is only an accelerator: a missing, stale, damaged or
 * unwritable one means the bundle compiles from source as before, never an error.
 *
 * scripts/bundle.mjs writes the bundle already inside Node's module wrapper (MODULE_WRAPPER), so V8
 * compiles the file's text as read: wrapped here by concatenation, V8 first copied the 0.8 MB into one
 * flat string (~1 ms of every send on Node 20). A plain CommonJS file is wrapped here, as before.
 * The bundle's first line, written by scripts/bundle.mjs, is `// bundle <sha256 of the rest>`: the
 * cache file is named after it, so a cache always belongs to the exact text it was made from (V8
 * itself checks only the source's length, the V8 version and flags, and says so in cachedDataRejected).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

const POSIX = process.platform !== 'win32';

/** The text Node puts around a CommonJS module, here too; its head stays on the bundle's first line, so line numbers in stack traces stay right. */
export const MODULE_WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})'] as const;
/** The hash line, after the wrapper's head when the file carries it. */
const HASH_LINE = /^(?:\(function \(exports, require, module, __filename, __dirname\) \{)?\/\/ bundle ([0-9a-f]{64})\n/;
const CACHE_SUFFIX = '.v8cache';
/** How many caches of one bundle a folder keeps (this one included). */
const CACHES_KEPT = 4;

/**
 * Where the cache of `bundleFile` lives (`<bundle>.<hash>.<node>-<arch>.v8cache`), or undefined when
 * the bundle carries no hash line. A cache is V8's and the architecture's: Node's version stands for V8's.
 */
export function codeCachePath(bundleFile: string, source: string, cacheDir: string): string | undefined {
  const hash = HASH_LINE.exec(source)?.[1];
  if (!hash) return undefined;
  return path.join(cacheDir, `${cachePrefix(bundleFile)}${hash.slice(0, 16)}.node${process.versions.node}-${process.arch}${CACHE_SUFFIX}`);
}

/** What every cache file of this bundle's name starts with, whatever its build. */
const cachePrefix = (bundleFile: string) => `${path.basename(bundleFile).replace(/\.[^.]*$/, '')}.`;

/**
 * Evaluates the CommonJS bundle at `bundleFile` (compiled with the code cache in `cacheDir`) and
 * returns its exports. `worthKeeping` is asked at exit whether this run's compiled code should become
 * the cache: a run that did little (`--help`, an error) compiled little, and a cache is never refreshed
 * while V8 accepts it.
 */
export function requireCachedBundle(bundleFile: string, cacheDir: string, worthKeeping: () => boolean = () => true): Record<string, unknown> {
  // The bundle is ASCII (scripts/bundle.mjs checks it), so latin1 reads the same text: on Node 20
  // decoding its 1.4 MB as UTF-8 took ~9 ms here, as latin1 ~2 ms.
  const source = readFileSync(bundleFile, 'latin1');
  const cacheFile = codeCachePath(bundleFile, source, cacheDir);
  const cachedData = cacheFile ? readTrustedCache(cacheFile) : undefined;
  const wrapped = isWrapped(source) ? source : MODULE_WRAPPER[0] + source + MODULE_WRAPPER[1];
  const script = withChecksums(() => new vm.Script(wrapped, { filename: bundleFile, cachedData }));
  // Made after the command ran, the cache holds every function it compiled, not just the top level.
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    process.once('exit', (code) => {
      if (code === 0 && worthKeeping()) writeCache(script, cacheFile, cachePrefix(bundleFile));
    });
  }
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(bundleFile), module, bundleFile, path.dirname(bundleFile));
  return module.exports;
}

/**
 * Runs `work` (compiling with a cache, or making one) with V8 verifying code caches' checksums. V8
 * checks a cache's header (version, flags, lengths) but not its payload unless told to: a cache
 * damaged inside (a bad disk, a torn copy) would crash every send or run altered code. With the
 * checksum verified, such a cache is rejected and compiled anew (~0.6 ms). The flag is on for the
 * reader and the writer alike: the flags are part of what V8 checks, so a cache made without it would
 * be refused. And it is off again at once: Node's own modules loaded later (node:http, node:net,
 * streams...) come with code caches made under Node's default flags, which V8 refused for as long as
 * a flag differed, so each of them was compiled from source (~5 ms more CPU of a send on Node 20).
 */
function withChecksums<T>(work: () => T): T {
  v8.setFlagsFromString('--verify-snapshot-checksum');
  try {
    return work();
  } finally {
    v8.setFlagsFromString('--no-verify-snapshot-checksum');
  }
}

/** Whether the text is a CommonJS module already inside MODULE_WRAPPER (how scripts/bundle.mjs writes the send bundle). */
export const isWrapped = (text: string) => text.startsWith(MODULE_WRAPPER[0]) && text.endsWith(MODULE_WRAPPER[1]);

/**
 * The cache's bytes, if it may be trusted as this user's code: V8 runs what the file says, so on POSIX
 * a file (or folder) that another user owns or may write (a cache folder set to a shared place) is
 * ignored, and overwritten by our own on exit. Windows folders under the profile inherit its ACL.
 */
function readTrustedCache(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    if (POSIX && !ownedAndPrivate(statSync(path.dirname(file)))) return undefined;
    fd = openSync(file, 'r');
    if (POSIX && !ownedAndPrivate(fstatSync(fd))) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined; // no cache yet, or unreadable: compile from source
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const ownedAndPrivate = (stat: { uid: number; mode: number }) => stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;

/**
 * Writes the cache whole or not at all: into a file of this process's own, renamed over the final
 * name, so concurrent processes and readers only ever see a complete file. Old caches of the bundle
 * (and temporary files a killed process left) are removed. Any failure (a read-only
 * folder, a full disk, a file Windows holds open) leaves the next run compiling from source, as this
 * one did: it runs while the process exits, so it must never throw.
 */
function writeCache(script: vm.Script, cacheFile: string, prefix: string): void {
  // Not node:crypto for a random name: the loader stays free of it (the pid already tells processes apart).
  const temporary = `${cacheFile}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, withChecksums(() => script.createCachedData()), { mode: 0o600 });
    renameSync(temporary, cacheFile);
    removeLeftovers(cacheFile, prefix);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing more to do: the next writer removes it.
    }
  }
}

/**
 * Keeps the newest few caches of this bundle (other builds, other Node versions: two installs of
 * different versions sharing the folder must not take turns deleting each other's), and removes
 * temporary files that writers killed mid-way left (older than a minute, so not one being written).
 */
function removeLeftovers(cacheFile: string, prefix: string): void {
  const dir = path.dirname(cacheFile);
  const files = readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && name !== path.basename(cacheFile))
    .map((name) => ({ name, mtimeMs: statSync(path.join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  const caches = files.filter((f) => f.name.endsWith(CACHE_SUFFIX));
  const stale = [...caches.slice(CACHES_KEPT - 1), ...files.filter((f) => f.name.endsWith('.tmp') && Date.now() - f.mtimeMs > 60_000)];
  for (const f of stale) rmSync(path.join(dir, f.name), { force: true });
}
