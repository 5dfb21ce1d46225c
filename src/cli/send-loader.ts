/**
 * Runs `send` from its own bundle, dist/bundle/send/send.cjs (src/cli/send-main.ts and everything it
 * reaches, in one file), compiled through the code cache (cached-bundle.ts). Called by bin.ts.
 */
import { codeCacheDir } from '../config/paths.js';
import { requireCachedBundle } from './cached-bundle.js';

/** What send-main.ts exports. */
interface SendBundle {
  run(argv: string[]): Promise<void>;
  loadedQueryBuilder(): boolean;
}

/** Help and dry runs compile a fraction of what a real send does: the cache is kept from a send that ran whole. */
const sendsForReal = (argv: string[]) => !argv.some((arg) => arg === '--help' || arg === '-h' || arg === '--dry-run');

export function runSend(argv: string[], bundleFile: string): Promise<void> {
  // Nor from a send that loaded Kysely (the first one on a new store migrates it): the next send makes it.
  const worthKeeping = () => sendsForReal(argv) && !bundle.loadedQueryBuilder();
  const bundle = requireCachedBundle(bundleFile, codeCacheDir(), worthKeeping) as unknown as SendBundle;
  return bundle.run(argv);
}
