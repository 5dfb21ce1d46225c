#!/usr/bin/env node
// `openclaw telephony ...`: the product's command tree under the `telephony` word.
import { run } from '../dist/cli/main.js';
run(process.argv, { telephonyWord: true });
