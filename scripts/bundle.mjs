#!/usr/bin/env node
/**
 * Bundles the CLI for the binaries (dist/bundle/), with one chunk per lazily loaded command.
 * Why: on Node 20 (no compile cache) loading packages made of hundreds of ESM files dominates start-up:
 * kysely alone is ~280 files (~190 ms here). One file per chunk cut `send` by about a quarter.
 * Native addons and packages that load files at run time stay external.
 * `send` gets a build of its own (dist/bundle/send/send.cjs, see src/cli/bin-entry.ts): one CommonJS
 * file, lazy imports included (esbuild evaluates a lazily imported module only when the import runs),
 * compiled through V8's code cache by src/cli/cached-bundle.ts. It is written inside Node's module wrapper
 * (cached-bundle.ts says why), and its first line is the hash of the rest, which names the cache.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { thirdPartyNotices } from './third-party-notices.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// esbuild writes into a fresh folder first; syncBundle then moves the result into dist/bundle.
// Why: `npx openclaw-telephony` in a clone runs `prepare` (this build) again while other processes
// may be running the binary (the test suite does); emptying dist/bundle first made them fail with
// ERR_MODULE_NOT_FOUND. Now an unchanged file is left alone, a changed one is replaced by rename
// (atomic), and only chunks the new build no longer has are removed (hashed names would pile up).
/**
 * Node's CommonJS module wrapper, as src/cli/cached-bundle.ts's MODULE_WRAPPER (test/e2e/startup-bundle.test.ts
 * checks the bundle starts and ends with that one): the send bundle is written inside it. Here, not imported
 * from dist/: this script also runs alone, before or without tsc.
 */
const MODULE_WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})'];

/** The dependencies with native addons: never bundled, the only ones the published package declares. */
const NATIVE = ['better-sqlite3', '@napi-rs/keyring', '@ngrok/ngrok'];
const finalDir = path.join(repo, 'dist/bundle');
const buildDir = path.join(repo, `dist/.bundle-${process.pid}`);
rmSync(buildDir, { recursive: true, force: true });
const common = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Every pure-JavaScript dependency is bundled, so the published package declares only the native
  // ones (package.json optionalDependencies): OpenClaw copies an installed plugin with every package it
  // declares, transitively, into a capture folder each time it loads it (docs/ARCHITECTURE.md, "OpenClaw
  // plugin: what gets copied"). Native addons stay external; so do the optional packages that pg and
  // ink ask for only when present (pg-native, pg-cloudflare on Cloudflare, react-devtools-core with DEV=true).
  // openclaw/*: the plugin SDK, supplied by the OpenClaw that loads the plugin.
  external: ['openclaw', 'openclaw/*', ...NATIVE, 'pg-native', 'pg-cloudflare', 'react-devtools-core'],
  // CommonJS packages inside an ESM bundle still call require() for Node's own modules.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
  // The inputs name the bundled packages, for THIRD_PARTY_NOTICES.
  metafile: true,
};
/** The common options for a CommonJS file (no splitting, no ESM banner). */
function commonJs() {
  const { banner, splitting, ...options } = common;
  return { ...options, format: 'cjs' };
}

/** Lines with non-ASCII characters that are not comment lines (esbuild keeps JSDoc blocks, ` * ...`). */
function nonAsciiOutsideComments(code) {
  return code.split('\n').filter((line) => /[^\x00-\x7f]/.test(line) && !/^\s*(\*|\/\/|\/\*)/.test(line));
}

/** In the send bundle, `better-sqlite3` means src/store/better-sqlite3-bundled.ts, which says why. */
const betterSqlite3Bundled = {
  name: 'better-sqlite3-bundled',
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: path.join(repo, 'src/store/better-sqlite3-bundled.ts') }));
  },
};

/** In the send bundle, `grapheme-splitter` means src/messaging/grapheme-splitter-ascii.ts (except for that file itself), which says why. */
const asciiFirstGraphemeSplitter = {
  name: 'grapheme-splitter-ascii',
  setup(b) {
    const shim = path.join(repo, 'src/messaging/grapheme-splitter-ascii.ts');
    b.onResolve({ filter: /^grapheme-splitter$/ }, (args) => (args.importer === shim ? undefined : { path: shim }));
  },
};

/** In the send bundle, commander's `node:child_process` means src/cli/child-process-on-demand.ts, which says why. */
const childProcessOnDemand = {
  name: 'child-process-on-demand',
  setup(b) {
    const shim = path.join(repo, 'src/cli/child-process-on-demand.ts');
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/[\\/]commander[\\/]/.test(args.importer) ? { path: shim } : undefined));
  },
};

/**
 * In the send bundle, src/store/query-builder.ts (with Kysely, 0.6 MB of the bundle's 1.4 MB) is a file
 * of its own, send/query-builder.cjs, required only when a send needs Kysely (migrating a new store):
 * every send read and decoded those bytes and none ran them. It shares no module with the send bundle
 * (Kysely and types only), so nothing exists twice. Store modules reach Kysely only through it.
 */
const queryBuilderApart = {
  name: 'query-builder-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/query-builder\.js$/ }, (args) => (/[\\/]src[\\/]store[\\/][^\\/]+\.ts$/.test(args.importer) ? { path: './query-builder.cjs', external: true } : undefined));
  },
};

/**
 * In the send bundle, pg (only a send to a PostgreSQL store needs it) is a file of its own,
 * send/pg.cjs, required only when such a send runs, for the reason query-builder.cjs is apart.
 */
const pgApart = {
  name: 'pg-apart',
  setup(b) {
    b.onResolve({ filter: /^pg$/ }, () => ({ path: './pg.cjs', external: true }));
  },
};

/**
 * In the send bundle, libphonenumber-js's metadata (one object literal of 245 countries) is built by
 * src/messaging/lazy-phone-metadata.ts, which says why: each country's entry stays JSON text until read.
 */
const lazyPhoneMetadata = {
  name: 'lazy-phone-metadata',
  setup(b) {
    b.onLoad({ filter: /[\\/]libphonenumber-js[\\/]metadata\.min\.json\.js$/ }, () => {
      const { countries, nonGeographic, ...rest } = createRequire(import.meta.url)('libphonenumber-js/metadata.min.json');
      const texts = (entries) => entries && Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, JSON.stringify(value)]));
      const source = { rest: JSON.stringify(rest), countries: texts(countries), nonGeographic: texts(nonGeographic) };
      return {
        contents: `import { lazyPhoneMetadata } from ${JSON.stringify(path.join(repo, 'src/messaging/lazy-phone-metadata.ts'))};\nexport default lazyPhoneMetadata(${JSON.stringify(source)});\n`,
        loader: 'js',
        resolveDir: repo,
      };
    });
  },
};

/**
 * Whether better-sqlite3 is installed. npm skips it (an optional dependency) when it can neither fetch
 * nor build its addon; the send bundle then leaves it external like the others, and the store falls
 * back to node:sqlite at run time (or says which Node to use): the install still succeeds.
 */
function installed(specifier) {
  try {
    createRequire(import.meta.url).resolve(specifier);
    return true;
  } catch {
    return false;
  }
}
const bundleBetterSqlite3 = installed('better-sqlite3/lib/index.js');

const results = await Promise.all([
  build({
    ...common,
    // main.js for the `openclaw-telephony` binary; openclaw-plugin.js for OpenClaw (package.json
    // `openclaw.extensions`). They share chunks, and the plugin's never include commander: it mounts
    // the tree on OpenClaw's own Command.
    // No setup entry (package.json `openclaw.setupEntry`): OpenClaw 2026.9.6 copies a setup entry's
    // package with all its dependencies into a capture folder on every command it runs, which made
    // `openclaw --help` take 13-15 s instead of 1.5 s here. Its doctor reads channel hooks only there.
    entryPoints: { main: path.join(repo, 'src/cli/main.ts'), 'openclaw-plugin': path.join(repo, 'src/cli/openclaw-plugin.ts') },
    outdir: buildDir,
  }),
  buildSendBundle(path.join(buildDir, 'send/send.cjs')),
  build({ ...commonJs(), entryPoints: [path.join(repo, 'src/store/query-builder.ts')], outfile: path.join(buildDir, 'send/query-builder.cjs') }),
  build({ ...commonJs(), entryPoints: [createRequire(import.meta.url).resolve('pg')], outfile: path.join(buildDir, 'send/pg.cjs') }),
  // What the binary requires first (src/cli/bin.ts says why it is CommonJS too); main.js stays an ES module it imports.
  build({ ...commonJs(), entryPoints: [path.join(repo, 'src/cli/bin.ts')], outfile: path.join(buildDir, 'bin.cjs') }),
]);
writeFileSync(path.join(buildDir, 'THIRD_PARTY_NOTICES.txt'), thirdPartyNotices(repo, results.map((result) => result.metafile)));
syncBundle(buildDir, finalDir);
rmSync(buildDir, { recursive: true, force: true });

/**
 * `send` as one CommonJS file. A vm.Script cannot run import() (Node 20 needs an experimental API for
 * that), so esbuild turns every import() into require(): of a bundled module, into its lazy
 * initialiser; of an external package (better-sqlite3, pg, the keyring), into Node's require.
 */
async function buildSendBundle(outfile) {
  const options = commonJs();
  const result = await build({
    ...options,
    // better-sqlite3's JavaScript goes into the bundle; its addon is loaded by path (see the file).
    external: bundleBetterSqlite3 ? options.external.filter((name) => name !== 'better-sqlite3') : options.external,
    plugins: [...(bundleBetterSqlite3 ? [betterSqlite3Bundled] : []), asciiFirstGraphemeSplitter, childProcessOnDemand, queryBuilderApart, pgApart, lazyPhoneMetadata],
    supported: { 'dynamic-import': false },
    entryPoints: [path.join(repo, 'src/cli/send-main.ts')],
    write: false,
    outfile,
  });
  const code = result.outputFiles[0].text;
  // esbuild escapes non-ASCII characters in code (charset: ascii, its default), not in the comments it
  // keeps; the loader reads the file as latin1, which then changes nothing but those comments.
  const stray = nonAsciiOutsideComments(code);
  if (stray.length) throw new Error(`the send bundle has non-ASCII characters outside comments (src/cli/cached-bundle.ts reads it as latin1): ${stray[0]}`);
  mkdirSync(path.dirname(outfile), { recursive: true });
  writeFileSync(outfile, `${MODULE_WRAPPER[0]}// bundle ${createHash('sha256').update(code).digest('hex')}\n${code}${MODULE_WRAPPER[1]}`);
  return result;
}

/** Makes `to` hold exactly the files of `from`, never leaving a file missing or half written. */
function syncBundle(from, to) {
  mkdirSync(to, { recursive: true });
  const fresh = new Set(readdirSync(from, { withFileTypes: true }).map((entry) => entry.name));
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) { syncBundle(source, target); continue; }
    const bytes = readFileSync(source);
    if (sameBytes(target, bytes)) continue;
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, bytes);
    renameSync(temporary, target);
  }
  for (const entry of readdirSync(to, { withFileTypes: true })) {
    if (!fresh.has(entry.name)) rmSync(path.join(to, entry.name), { recursive: true, force: true });
  }
}

function sameBytes(file, bytes) {
  try {
    return readFileSync(file).equals(bytes);
  } catch {
    return false;
  }
}
