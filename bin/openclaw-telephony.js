#!/usr/bin/env node
// `openclaw-telephony ...`: the standalone CLI. (`openclaw telephony ...` comes from the OpenClaw plugin.)
// `send` loads a bundle of its own, through a code cache (src/cli/bin-entry.ts and send-loader.ts say why and when).
import { binEntryFor } from '../dist/cli/bin-entry.js';
import { isBareVersionCall, VERSION } from '../dist/cli/version.js';

const args = process.argv.slice(2);
if (isBareVersionCall(args)) console.log(VERSION);
else if (binEntryFor(args) === 'send') import('../dist/cli/send-loader.js').then((m) => m.runSend(process.argv));
else import('../dist/bundle/main.js').then((m) => m.run(process.argv));
