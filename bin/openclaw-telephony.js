#!/usr/bin/env node
// `openclaw-telephony ...`: the standalone CLI. (`openclaw telephony ...` comes from the OpenClaw plugin.)
// src/cli/bin.ts says what runs for which arguments, and why it is required as CommonJS.
// This file is CommonJS too (bin/package.json): an ES module entry makes Node load its ESM loader
// first, ~6-10 ms of every command on Node 20, a tenth of bare `node -e 0`.
'use strict';

require('../dist/bundle/bin.cjs').runBinary(process.argv, require('node:path').join(__dirname, '../dist/bundle/'));
