/**
 * What a one-message `send` loads at start-up (issue #14, "start-up stays fast"), checked by what runs,
 * not by timing: the send bundle is one file (dist/bundle/send/send.cjs) in which esbuild keeps every
 * module's code after a `// <path>` comment, so V8's coverage of a real send says which modules ran.
 * Packages kept off that path must not run (Kysely, csv-parse, the batch code, the dashboard's ink and
 * react, serve's fastify, pg), nor Node's https and TLS when the API is plain http, nor its ESM loader,
 * child_process or fs/promises. And the bundle is
 * compiled through the code cache (src/cli/cached-bundle.ts): written once, used after, rewritten when
 * damaged, and never in the way when it cannot be written.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { MODULE_WRAPPER } from '../../src/cli/cached-bundle.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, REPO, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';

const SEND_BUNDLE = path.join(REPO, 'dist/bundle/send/send.cjs');

let sb: Sandbox;
const { env, cwd, home } = isolatedEnv();

beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
  env.OPENCLAW_TELEPHONY_SANDBOX_URL = sb.baseUrl;
  // A configured sender: stderr stays empty, so anything the cache printed would show.
  env.TWILIO_PHONE_NUMBER = sb.describe().numbers[0].phoneNumber;
  // The first send creates and migrates the store (with Kysely): what a user waits for once, not each time.
  expect((await send('+15550007000', 'warm-up')).code).toBe(0);
});
afterAll(() => sb.close());

const send = (to: string, body: string, extraEnv: NodeJS.ProcessEnv = {}) => telephony(['send', '--sandbox', to, body], { env: { ...env, ...extraEnv }, cwd });

/**
 * Where each module's code starts in the bundle: esbuild writes `// <path>` before it (and keeps no
 * other line comments), `src/...` for ours, `.../node_modules/<package>/...` for a package's.
 */
function moduleRegions(text: string): { offset: number; module: string }[] {
  return [...text.matchAll(/^\/\/ (\S+\.(?:[cm]?js|tsx?|json))$/gm)].map((m) => ({ offset: m.index!, module: m[1].replace(/^.*node_modules\//, '') }));
}

/** The modules of the send bundle whose code ran in the process that wrote `coverageDir`, with the names of the functions that ran in each. */
function modulesThatRan(coverageDir: string): Map<string, Set<string>> {
  const text = readFileSync(SEND_BUNDLE, 'latin1');
  const regions = moduleRegions(text);
  const ran = new Map<string, Set<string>>();
  for (const file of readdirSync(coverageDir)) {
    const { result } = JSON.parse(readFileSync(path.join(coverageDir, file), 'utf8')) as { result: { url: string; functions: { functionName: string; ranges: { startOffset: number; count: number }[] }[] }[] };
    const script = result.find((r) => r.url.endsWith('/dist/bundle/send/send.cjs'));
    if (!script) continue;
    for (const fn of script.functions) {
      const { startOffset, count } = fn.ranges[0];
      if (count === 0 || startOffset === 0) continue; // startOffset 0: the whole file's function
      // The file holds the wrapper V8 compiled (scripts/bundle.mjs writes it in), so offsets are the file's.
      const offset = startOffset;
      const region = regions.findLast((r) => r.offset <= offset);
      if (region) ran.set(region.module, (ran.get(region.module) ?? new Set()).add(fn.functionName));
    }
  }
  return ran;
}

describe('a one-message send', () => {
  it('runs the send code and none of Kysely, csv-parse, the batch code, ink, react, fastify or pg; no TLS over http', async () => {
    const coverage = mkdtempSync(path.join(home, 'coverage-'));
    const loaded = path.join(home, 'loaded.json');
    // Node's own modules and the files require() loaded, written as the process exits. The preload is
    // CommonJS and needs only node:fs (loaded already): an ES module preload would load the ESM loader itself.
    const preload = path.join(home, 'record-loads.cjs');
    writeFileSync(preload, `const fs=require('node:fs');process.on('exit',()=>fs.writeFileSync(${JSON.stringify(loaded)},JSON.stringify({builtins:process.moduleLoadList,required:Object.keys(require.cache)})))`);
    const res = await send('+15550007001', 'what loads', { NODE_V8_COVERAGE: coverage, NODE_OPTIONS: `--require ${JSON.stringify(preload)}` });
    expect(res.code, res.stderr).toBe(0);
    expect((await sentMessages(sb)).filter((m) => m.body === 'what loads')).toHaveLength(1);

    const ran = modulesThatRan(coverage);
    // The method sees the send path itself: otherwise an empty set would pass everything below.
    for (const module of ['src/cli/commands/send.ts', 'src/messaging/deliver.ts', 'src/store/claims.ts']) expect(ran.has(module), module).toBe(true);
    const heavy = [...ran.keys()].filter((m) => /^(kysely|csv-parse|ink|react|fastify|pg)\/|^src\/(store\/query-builder|messaging\/send-batch|messaging\/batch|cli\/commands\/send-dry-run)\.ts$/.test(m));
    expect(heavy).toEqual([]);
    // An ASCII text is split without grapheme-splitter's tables (src/messaging/grapheme-splitter-ascii.ts).
    // (esbuild may rename the package's constructor GraphemeSplitter2 and so on.)
    expect([...(ran.get('grapheme-splitter/index.js') ?? [])].filter((name) => /^GraphemeSplitter\d*$/.test(name))).toEqual([]);
    expect(ran.has('src/messaging/grapheme-splitter-ascii.ts')).toBe(true);

    const { builtins, required } = JSON.parse(readFileSync(loaded, 'utf8')) as { builtins: string[]; required: string[] };
    expect(required.filter((file) => /node_modules[\\/](kysely|csv-parse|ink|react|fastify|pg)[\\/]/.test(file))).toEqual([]);
    // Kysely is a file of its own beside the send bundle (send/query-builder.cjs), required when a send migrates a store.
    expect(required.filter((file) => file.endsWith('query-builder.cjs'))).toEqual([]);
    // better-sqlite3's JavaScript is in the bundle; only its addon is required, by path (no `bindings` search).
    expect(required.filter((file) => /node_modules[\\/](better-sqlite3|bindings)[\\/]/.test(file)).map((file) => path.basename(file))).toEqual(['better_sqlite3.node']);
    // fetch() would load undici (~100 ms); http-transport.ts uses node:http instead, and loads
    // node:https (with TLS) only for an https URL: the sandbox is plain http.
    expect(builtins.filter((m) => /undici|https|tls/.test(m))).toEqual([]);
    expect(builtins).toContain('NativeModule http');
    // node:readline loads only when something is asked on a terminal (src/cli/prompt.ts).
    expect(builtins).not.toContain('NativeModule readline');
    // The binary is CommonJS (bin/package.json): an ES module entry would load Node's ESM loader and run
    // the bin as a module job (~6-10 ms of every command on Node 20). Node 22 and later load those
    // parts for a CommonJS entry too (their CommonJS loader goes through them), so only Node 20 shows it.
    if (Number(process.versions.node.split('.')[0]) < 22) expect(builtins.filter((m) => /esm\/(module_job|translators|get_format)$/.test(m))).toEqual([]);
    // commander's child_process loads only if it ever spawns (src/cli/child-process-on-demand.ts),
    // fs.promises only for a local --media file (src/messaging/outbound-media.ts), and perf_hooks (the
    // global `performance`) not at all (src/store/claims.ts).
    expect(builtins.filter((m) => /^NativeModule (child_process|internal\/child_process|dgram|fs\/promises|internal\/fs\/promises|perf_hooks|internal\/perf\/performance)$/.test(m))).toEqual([]);
    // node:crypto (with its ~15 internal modules) is not loaded over plain http: the request's fingerprint
    // is src/sha256.ts, the key and ids src/unique-id.ts, and media and approvals load it when they run.
    expect(builtins.filter((m) => /crypto/.test(m))).toEqual([]);
  });
});

describe('the store of a one-message send', () => {
  it("is closed for the exit: the write-ahead log stays (no checkpoint, no new log for the next send) with the send's rows, and the output and exit code are whole", async () => {
    const file = path.join(home, 'exit-store', 'telephony.sqlite');
    const storeEnv = { OPENCLAW_TELEPHONY_STORE_URL: file };
    const sids: string[] = [];
    // The first creates and migrates the store (loading Kysely), the second opens it as every later send does.
    for (const body of ['left for the next open 1', 'left for the next open 2']) {
      const res = await telephony(['send', '--sandbox', '--json', '+15550007010', body], { env: { ...env, ...storeEnv }, cwd });
      expect(res.code, res.stderr).toBe(0);
      sids.push((JSON.parse(res.stdout) as { sid: string }).sid);
      // Closed the usual way, SQLite would have copied the log into the file and deleted it.
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    }
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      expect(raw.prepare("SELECT sid FROM messages WHERE to_number = '+15550007010' ORDER BY sid").pluck().all()).toEqual([...sids].sort());
      expect(raw.prepare("SELECT count(*) FROM idempotency_keys WHERE state = 'settled' AND sid IN (?, ?)").pluck().get(sids)).toBe(2);
    } finally {
      raw.close();
    }
    // An error still exits with its own code after its message is written.
    const refused = await telephony(['send', '--sandbox', '--json', 'not-a-number', 'x'], { env: { ...env, ...storeEnv }, cwd });
    expect(refused.code).not.toBe(0);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: expect.anything() });
  });
});

describe('the code cache of the send bundle', () => {
  it('is written by the first send, used unchanged by the next, and rewritten when damaged', async () => {
    // Where it goes by default: the user's cache folder (~/.cache here, %LOCALAPPDATA% on Windows).
    const cacheDir = path.join(home, '.cache/openclaw/telephony');
    const cacheFiles = () => (existsSync(cacheDir) ? readdirSync(cacheDir) : []);
    rmSync(cacheDir, { recursive: true, force: true });
    // Another installed version's cache stays: two versions sharing the folder must not take turns deleting each other's.
    const otherBuild = 'send.0123456789abcdef.node20.0.0-x64.v8cache';
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(path.join(cacheDir, otherBuild), 'another build');
    expect((await send('+15550007002', 'first')).code).toBe(0);
    const [name, ...others] = cacheFiles().filter((file) => file !== otherBuild);
    expect(others).toEqual([]);
    expect(name).toMatch(new RegExp(`^send\\.[0-9a-f]{16}\\.node${process.versions.node.replace(/\./g, '\\.')}-${process.arch}\\.v8cache$`));
    const file = path.join(cacheDir, name);
    const written = readFileSync(file);
    const writtenAt = statSync(file).mtimeMs;

    // V8 accepted it: nothing is written again.
    expect((await send('+15550007002', 'second')).code).toBe(0);
    expect(readFileSync(file).equals(written)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(writtenAt);

    // A damaged cache (here: another file's bytes) is rejected by V8, the send works, and the cache is made again.
    writeFileSync(file, Buffer.alloc(written.length, 7));
    expect((await send('+15550007002', 'third')).code).toBe(0);
    expect(readFileSync(file).equals(Buffer.alloc(written.length, 7))).toBe(false);
    expect(cacheFiles().sort()).toEqual([name, otherBuild].sort());

    // Damaged inside, with a right header and length (a bad disk, a torn copy): V8 checks the payload's
    // checksum only when told to. Unchecked, such a cache crashed every send or ran altered code.
    const good = readFileSync(file);
    const torn = Buffer.from(good);
    for (let at = 200; at < torn.length - 64; at += Math.floor(torn.length / 40)) torn.fill(0x5a, at, at + 64);
    writeFileSync(file, torn);
    const afterTear = await send('+15550007002', 'fourth');
    expect(afterTear.code, afterTear.stderr).toBe(0);
    expect(afterTear.stderr).toBe('');
    expect(readFileSync(file).equals(torn)).toBe(false);
    expect((await sentMessages(sb)).filter((m) => m.to === '+15550007002').map((m) => m.body).sort()).toEqual(['first', 'fourth', 'second', 'third']);
  });

  it.skipIf(process.platform === 'win32')("is the user's own: written owner-only, and one that others may write is not used but replaced", async () => {
    const dir = path.join(home, 'private-cache');
    expect((await send('+15550007030', 'owner-only', { OPENCLAW_TELEPHONY_CACHE_DIR: dir })).code).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [name] = readdirSync(dir);
    const file = path.join(dir, name);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Anyone may write it now: V8 would run whatever it says, so it is compiled anew and replaced by our own.
    chmodSync(file, 0o666);
    expect((await send('+15550007030', 'shared', { OPENCLAW_TELEPHONY_CACHE_DIR: dir })).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('is not written by a run that compiles little (--help, --dry-run), so the first real send makes it', async () => {
    const dir = path.join(home, 'help-cache');
    const help = await telephony(['send', '--help'], { env: { ...env, OPENCLAW_TELEPHONY_CACHE_DIR: dir }, cwd });
    expect(help.code).toBe(0);
    const dry = await telephony(['send', '--sandbox', '+15550007040', 'not yet', '--dry-run'], { env: { ...env, OPENCLAW_TELEPHONY_CACHE_DIR: dir }, cwd });
    expect(dry.code, dry.stderr).toBe(0);
    expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.v8cache')) : []).toEqual([]);
    expect((await send('+15550007040', 'now', { OPENCLAW_TELEPHONY_CACHE_DIR: dir })).code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.v8cache'))).toHaveLength(1);
  });

  it('is not written by the send that migrates a new store (it ran Kysely, from send/query-builder.cjs), but by the next one', async () => {
    const dir = path.join(home, 'migrating-cache');
    const fresh = { OPENCLAW_TELEPHONY_CACHE_DIR: dir, XDG_DATA_HOME: path.join(home, 'new-store-data') };
    const first = await send('+15550007050', 'migrates', fresh);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.v8cache')) : []).toEqual([]);
    expect((await send('+15550007050', 'then sends', fresh)).code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.v8cache'))).toHaveLength(1);
  });

  it('leaves a complete cache and no temporary file when several sends write it at once', async () => {
    const dir = path.join(home, 'concurrent-cache');
    const runs = await Promise.all([1, 2, 3].map((i) => send(`+1555000701${i}`, 'at once', { OPENCLAW_TELEPHONY_CACHE_DIR: dir })));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.v8cache$/);
    const written = readFileSync(path.join(dir, files[0]));
    expect((await send('+15550007014', 'after', { OPENCLAW_TELEPHONY_CACHE_DIR: dir })).code).toBe(0);
    expect(readFileSync(path.join(dir, files[0])).equals(written)).toBe(true);
  });

  it('never stops a send when the cache folder cannot be made', async () => {
    // A folder under a plain file cannot be created, even by root (these tests may run as root).
    const blocker = path.join(home, 'not-a-folder');
    writeFileSync(blocker, '');
    const res = await send('+15550007020', 'no cache here', { OPENCLAW_TELEPHONY_CACHE_DIR: path.join(blocker, 'cache') });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^SM\w+ queued -> \+15550007020/);
  });
});

describe('the send bundle file', () => {
  it('starts with the hash of its text, which names the cache, and is ASCII outside comments', () => {
    const text = readFileSync(SEND_BUNDLE, 'utf8');
    // Inside Node's module wrapper already: V8 compiles the text as read, not a 0.8 MB concatenation it must first copy.
    expect(text.startsWith(`${MODULE_WRAPPER[0]}// bundle `)).toBe(true);
    expect(text.endsWith(MODULE_WRAPPER[1])).toBe(true);
    expect(text.slice(MODULE_WRAPPER[0].length)).toMatch(/^\/\/ bundle [0-9a-f]{64}\n/);
    // ASCII outside comments: the loader reads it as latin1, much faster than UTF-8 for 1.4 MB on Node 20.
    expect(text.split('\n').filter((line) => /[^\x00-\x7f]/.test(line) && !/^\s*(\*|\/\/|\/\*)/.test(line))).toEqual([]);
    // Kysely (0.6 MB) is not in it: send/query-builder.cjs has it, for the sends that need it.
    expect(text).not.toMatch(/node_modules\/kysely\//);
    expect(existsSync(path.join(path.dirname(SEND_BUNDLE), 'query-builder.cjs'))).toBe(true);
    // libphonenumber's metadata is built lazily (src/messaging/lazy-phone-metadata.ts), not the package's 245-country literal.
    expect(text).toMatch(/lazyPhoneMetadata\(\{ "rest": /);
    expect(text).not.toMatch(/metadata_min_json_default = \{/);
    // A vm.Script cannot run import(): the bundle has none left (esbuild turned them into require()).
    expect(text.match(/[^\w$.]import\(/g) ?? []).toEqual([]);
  });
});
