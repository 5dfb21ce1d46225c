#!/usr/bin/env node
// `openclaw-telephony ...`: the standalone CLI. (`openclaw telephony ...` comes from the OpenClaw plugin.)
// `send` loads a bundle of its own, through a code cache (src/cli/bin-entry.ts and send-loader.ts say why and when).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { binEntryFor } from '../dist/cli/bin-entry.js';
import { isBareVersionCall, VERSION } from '../dist/cli/version.js';

const args = process.argv.slice(2);
if (isBareVersionCall(args)) console.log(VERSION);
else if (binEntryFor(args) === 'send') {
  const require = createRequire(import.meta.url);
  require('../dist/bundle/send/loader.cjs').runSend(process.argv, fileURLToPath(new URL('../dist/bundle/send/send.cjs', import.meta.url)));
} else import('../dist/bundle/main.js').then((m) => m.run(process.argv));
