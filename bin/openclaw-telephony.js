#!/usr/bin/env node
// `openclaw-telephony ...`: the standalone CLI. (`openclaw telephony ...` comes from the OpenClaw plugin.)
import { isBareVersionCall, VERSION } from '../dist/cli/version.js';

if (isBareVersionCall(process.argv.slice(2))) console.log(VERSION);
else import('../dist/bundle/main.js').then((m) => m.run(process.argv));
