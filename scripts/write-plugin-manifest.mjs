#!/usr/bin/env node
// Regenerates openclaw.plugin.json's channelConfigs.telephony.schema from the built config schema
// (`npm run manifest`): OpenClaw validates channels.telephony against it (src/openclaw/channel-config-schema.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { telephonyChannelJsonSchema } from '../dist/openclaw/channel-config-schema.js';

const file = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), 'openclaw.plugin.json');
const manifest = JSON.parse(readFileSync(file, 'utf8'));
manifest.channelConfigs.telephony.schema = telephonyChannelJsonSchema();
writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
console.log('openclaw.plugin.json');
