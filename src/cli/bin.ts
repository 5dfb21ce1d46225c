/**
 * What bin/openclaw-telephony.js runs: a bare `--version` at once, `send` from its own code-cached
 * bundle (send-loader.ts; bin-entry.ts says when), anything else from the full bundle. The binary
 * requires it as one CommonJS file (dist/bundle/bin.cjs, with those modules in it): imported as ES
 * modules, one level after another and each file read asynchronously, they took ~10 ms of a `send`
 * on Node 20.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { binEntryFor } from './bin-entry.js';
import { runSend } from './send-loader.js';
import { isBareVersionCall, VERSION } from './version.js';

/** `bundleDir`: dist/bundle, where main.js and send/send.cjs are. */
export function runBinary(argv: string[], bundleDir: string): Promise<void> {
  const args = argv.slice(2);
  if (isBareVersionCall(args)) {
    console.log(VERSION);
    return Promise.resolve();
  }
  if (binEntryFor(args) === 'send') return runSend(argv, path.join(bundleDir, 'send', 'send.cjs'));
  return import(pathToFileURL(path.join(bundleDir, 'main.js')).href).then((m: { run(argv: string[]): Promise<void> }) => m.run(argv));
}
