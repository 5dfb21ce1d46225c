#!/usr/bin/env node
// `openclaw-telephony ...`: the standalone CLI. (`openclaw telephony ...` comes from the OpenClaw plugin.)
// src/cli/bin.ts says what runs for which arguments, and why it is required as CommonJS.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

createRequire(import.meta.url)('../dist/bundle/bin.cjs').runBinary(process.argv, fileURLToPath(new URL('../dist/bundle/', import.meta.url)));
