/**
 * Runs `send` from its own bundle, dist/bundle/send/send.cjs (src/cli/send-main.ts and everything it
 * reaches, in one file), compiled through the code cache (cached-bundle.ts). Called by bin.ts.
 */
import { codeCacheDir } from '../config/paths.js';
import { requireCachedBundle } from './cached-bundle.js';

export function runSend(argv: string[], bundleFile: string): Promise<void> {
  const { run } = requireCachedBundle(bundleFile, codeCacheDir()) as { run(argv: string[]): Promise<void> };
  return run(argv);
}
