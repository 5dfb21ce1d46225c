#!/usr/bin/env node
// `openclaw telephony ...`: the product's command tree under the `telephony` word.
import { isBareVersionCall, VERSION } from '../dist/cli/version.js';

if (isBareVersionCall(process.argv.slice(2), true)) console.log(VERSION);
else import('../dist/bundle/main.js').then((m) => m.run(process.argv, { telephonyWord: true }));
