#!/usr/bin/env node
// `openclaw-telephony ...`: the standalone CLI. (`openclaw telephony ...` comes from the OpenClaw plugin.)
// `send` loads a bundle of its own (src/cli/bin-entry.ts says why and when).
import { binEntryFor } from '../dist/cli/bin-entry.js';
import { isBareVersionCall, VERSION } from '../dist/cli/version.js';

const args = process.argv.slice(2);
if (isBareVersionCall(args)) console.log(VERSION);
else import(binEntryFor(args) === 'send' ? '../dist/bundle/send/send-main.js' : '../dist/bundle/main.js').then((m) => m.run(process.argv));
