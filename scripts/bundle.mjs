#!/usr/bin/env node
/**
 * Bundles the CLI for the binaries (dist/bundle/), with one chunk per lazily loaded command.
 * Why: on Node 20 (no compile cache) loading packages made of hundreds of ESM files dominates start-up:
 * kysely alone is ~280 files (~190 ms here). One file per chunk cut `send` by about a quarter.
 * Native addons and packages that load files at run time stay external.
 * `send` gets a build of its own (dist/bundle/send/, see src/cli/bin-entry.ts): in the full build its
 * code is split across ~35 chunks shared with the other commands, and each file costs start-up time.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Chunk names carry content hashes: start empty so old chunks do not pile up.
rmSync(path.join(repo, 'dist/bundle'), { recursive: true, force: true });
const common = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // ink (and react, yoga) load lazily for the dashboard only, and ink pulls optional dev tooling.
  // openclaw/*: the plugin SDK, supplied by the OpenClaw that loads the plugin.
  external: ['openclaw', 'openclaw/*', 'better-sqlite3', '@napi-rs/keyring', '@ngrok/ngrok', 'pg', 'ink', 'react', 'react/jsx-runtime'],
  // CommonJS packages inside an ESM bundle still call require() for Node's own modules.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
};
await Promise.all([
  build({
    ...common,
    // main.js for the `openclaw-telephony` binary; openclaw-plugin.js for OpenClaw (package.json
    // `openclaw.extensions`). They share chunks, and the plugin's never include commander: it mounts
    // the tree on OpenClaw's own Command.
    entryPoints: { main: path.join(repo, 'src/cli/main.ts'), 'openclaw-plugin': path.join(repo, 'src/cli/openclaw-plugin.ts') },
    outdir: path.join(repo, 'dist/bundle'),
  }),
  build({ ...common, entryPoints: { 'send-main': path.join(repo, 'src/cli/send-main.ts') }, outdir: path.join(repo, 'dist/bundle/send') }),
]);
