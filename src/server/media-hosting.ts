/**
 * serve's part in outbound MMS from local files: the media host its own sends use (agent replies with
 * attachments, approved texts) and the purge of expired files. A `send` in another process finds
 * serve's public URL in the instances table (store/instances.ts), where serve's heartbeat keeps it.
 */
import type { ResolvedConfig } from '../config/resolve.js';
import type { MediaHost } from '../messaging/outbound-media.js';
import type { Store } from '../store/open-store.js';
import { purgeExpiredMedia } from '../store/outbound-media.js';
import type { CleanupStack } from './cleanup-stack.js';
import type { Emit } from './events.js';

export interface ServeMediaHost extends MediaHost {
  /** Sets the public URL once serve knows it (after the tunnel, if any, is up). */
  publish(publicBase: string): void;
}

export function createServeMediaHost(config: ResolvedConfig, store: Store): ServeMediaHost {
  let base: string | undefined;
  return {
    store,
    publicBase: async () => base,
    mediaPath: config.serve.mediaPath.replace(/\/+$/, ''),
    ttlMs: config.sms.mediaTtlMinutes * 60_000,
    noPublicUrlHint: 'serve has no public URL, so Twilio cannot fetch a local file from it: set publicUrl, open a tunnel, or use --sandbox.',
    publish(publicBase) {
      base = publicBase;
    },
  };
}

const PURGE_EVERY_MS = 60_000;

/** Purges expired files now and every minute, until serve stops. */
export async function startMediaPurge(store: Store, { emit, stack }: { emit: Emit; stack: CleanupStack }): Promise<void> {
  await purgeExpiredMedia(store);
  const purge = setInterval(() => void purgeExpiredMedia(store).catch((err: Error) => emit('warning', { message: `purging expired MMS media failed: ${err.message}` })), PURGE_EVERY_MS);
  purge.unref();
  stack.defer('the MMS media purge', () => clearInterval(purge));
}
