#!/usr/bin/env node
// `openclaw-telephony ...`: the same tree without the `telephony` word, for machines with another `openclaw` on the PATH.
import { run } from '../dist/cli/main.js';
run(process.argv, { telephonyWord: false });
