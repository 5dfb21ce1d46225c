/**
 * What a dry run says of a row whose key was used before: what the real run's claim and its read of
 * the key's rows (chunk-layout.ts) would make of them. A row sent before answers from the store, also
 * when this run splits its text otherwise ("already sent", with the earlier and this run's parts); a
 * row begun in another split and not finished, or whose key stands for another text, is refused by
 * the real run, so the dry run says "would fail" with the same words.
 */
import { UserError } from '../errors.js';
import { keysOfRequest } from '../store/request-keys.js';
import type { Store } from '../store/open-store.js';
import type { BatchRow } from './batch.js';
import { judgeEarlierLayout, layoutFingerprint } from './chunk-layout.js';
import { keyReusedError, messageFingerprint } from './deliver.js';
import { inspectMedia, mediaFingerprint } from './outbound-media.js';
import type { Sender } from './rate-limiter.js';

export type EarlierVerdict = { verdict: 'already-sent' | 'refused'; reason?: string } | undefined;

/** Undefined: the key is new, or its earlier attempt is continued as any send is (a pending or failed part). */
export async function earlierUseOf(store: Store, row: BatchRow, sender: Sender, parts: string[]): Promise<EarlierVerdict> {
  const rows = await keysOfRequest(store, row.key);
  if (!rows.length) return undefined;
  const contentFingerprint = await contentFingerprintOf(row, sender);
  const firstKey = parts.length > 1 ? `${row.key}#1/${parts.length}` : row.key;
  const first = rows.find((r) => r.key === firstKey);
  if (first && first.fingerprint === layoutFingerprint(contentFingerprint ?? '', parts)) return first.state === 'settled' ? { verdict: 'already-sent' } : undefined;
  // A row with a media file that cannot be read now: the real run fails it for that; judged by its first key alone.
  if (contentFingerprint === undefined) return first?.state === 'settled' ? { verdict: 'already-sent' } : undefined;
  try {
    const earlier = judgeEarlierLayout(rows, { requestKey: row.key, contentFingerprint, parts });
    if (!earlier) return { verdict: 'refused', reason: keyReusedError(row.key, rows[0]).message };
    if (earlier.kind === 'sent') {
      const { earlierParts, partsThisRun } = earlier.results[0].layoutChanged!;
      return { verdict: 'already-sent', reason: `in ${earlierParts} part${earlierParts === 1 ? '' : 's'}; this run would split it in ${partsThisRun}, so it answers from the store` };
    }
    // Parts an older version wrote, split the same way: the real run carries on with them.
    return rows.length === parts.length && rows.every((r) => r.state === 'settled') ? { verdict: 'already-sent' } : undefined;
  } catch (err) {
    if (err instanceof UserError) return { verdict: 'refused', reason: err.message };
    throw err;
  }
}

/** The row's content fingerprint as its real send computes it (send-text.ts); undefined when a media file cannot be read. */
async function contentFingerprintOf(row: BatchRow, sender: Sender): Promise<string | undefined> {
  const media = await inspectMedia(row.media).catch(() => undefined);
  if (!media) return undefined;
  return messageFingerprint({ to: row.to, ...sender, body: row.body, media: mediaFingerprint(media) });
}
