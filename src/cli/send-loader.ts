/**
 * Runs `send` from its own bundle, dist/bundle/send/send.cjs (src/cli/send-main.ts and everything it
 * reaches, in one file), compiled through the code cache (cached-bundle.ts). Loaded by
 * bin/openclaw-telephony.js when bin-entry.ts picks the send tree.
 */
import { fileURLToPath } from 'node:url';
import { codeCacheDir } from '../config/paths.js';
import { requireCachedBundle } from './cached-bundle.js';

export function runSend(argv: string[]): Promise<void> {
  const bundle = fileURLToPath(new URL('../bundle/send/send.cjs', import.meta.url));
  const { run } = requireCachedBundle(bundle, codeCacheDir()) as { run(argv: string[]): Promise<void> };
  return run(argv);
}
