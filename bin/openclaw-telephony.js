#!/usr/bin/env node
// `openclaw-telephony ...`: the standalone CLI. (`openclaw telephony ...` comes from the OpenClaw plugin.)
// src/cli/bin.ts says what runs for which arguments, and why it is required as CommonJS.
// This file is CommonJS too (bin/package.json): an ES module entry makes Node load its ESM loader
// first, ~6-10 ms of every command on Node 20, a tenth of bare `node -e 0`.
'use strict';

let entry;
try {
  entry = require('../dist/bundle/bin.cjs');
} catch (err) {
  // A clone installed with --ignore-scripts, or whose build failed, has no dist/: say so, not a stack.
  if (err.code !== 'MODULE_NOT_FOUND' || !err.message.includes("'../dist/bundle/bin.cjs'")) throw err;
  const root = require('node:path').resolve(__dirname, '..');
  const message = `this copy of openclaw-telephony is not built (${require('node:path').join(root, 'dist', 'bundle', 'bin.cjs')} is missing).`;
  const hint = `Run \`npm run build\` in ${root} (\`npm install\` builds too, unless scripts are turned off).`;
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({ error: { code: 'not_built', message, hint } }) + '\n');
  else process.stderr.write(`error: ${message}\n  fix: ${hint}\n`);
  process.exit(3);
}
entry.runBinary(process.argv, require('node:path').join(__dirname, '../dist/bundle/'));
