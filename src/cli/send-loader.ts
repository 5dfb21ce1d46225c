/**
 * Runs `send` from its own bundle, dist/bundle/send/send.cjs (src/cli/send-main.ts and everything it
 * reaches, in one file), compiled through the code cache (cached-bundle.ts). Called by bin.ts.
 */
import { codeCacheDir } from '../config/paths.js';
import { requireCachedBundle } from './cached-bundle.js';

/** Help and dry runs compile a fraction of what a real send does: the cache is kept from a send that ran whole. */
const sendsForReal = (argv: string[]) => !argv.some((arg) => arg === '--help' || arg === '-h' || arg === '--dry-run');

export function runSend(argv: string[], bundleFile: string): Promise<void> {
  const { run } = requireCachedBundle(bundleFile, codeCacheDir(), () => sendsForReal(argv)) as { run(argv: string[]): Promise<void> };
  return run(argv);
}
