/**
 * Runs `send` from its own bundle, dist/bundle/send/send.cjs (src/cli/send-main.ts and everything it
 * reaches, in one file), compiled through the code cache (cached-bundle.ts). bin/openclaw-telephony.js
 * requires this file's own CommonJS bundle (dist/bundle/send/loader.cjs, with cached-bundle.ts and
 * paths.ts in it) when bin-entry.ts picks the send tree: one file read at once, where importing it as
 * ES modules (five files, read asynchronously one level after another) took ~10 ms of a send here.
 */
import { codeCacheDir } from '../config/paths.js';
import { requireCachedBundle } from './cached-bundle.js';

export function runSend(argv: string[], bundleFile: string): Promise<void> {
  const { run } = requireCachedBundle(bundleFile, codeCacheDir()) as { run(argv: string[]): Promise<void> };
  return run(argv);
}
