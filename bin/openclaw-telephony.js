#!/usr/bin/env node
// `openclaw-telephony ...`: the same tree without the `telephony` word, for machines with another `openclaw` on the PATH.
import { isBareVersionCall, VERSION } from '../dist/cli/version.js';

if (isBareVersionCall(process.argv.slice(2), false)) console.log(VERSION);
else import('../dist/bundle/main.js').then((m) => m.run(process.argv, { telephonyWord: false }));
