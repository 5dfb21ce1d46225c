/**
 * One key, one text, however it is split. A text is sent as one message under the caller's key `K`,
 * or as n messages under `K#1/n`..`K#n/n`; how it splits depends on the settings (sms.maxLength,
 * chunkMode, segmentNumbering) and the version's splitter. A rerun that splits the same text another
 * way must not send it again: the fingerprint of a text in several parts names its layout (the parts'
 * count and texts), so the claim itself (one step, against a concurrent run too) refuses a layout other
 * than the one already claimed under `K`, and this file says what to do then: answer from the store
 * when the earlier layout went out whole, else refuse with what changed and how to finish it.
 */
import { UserError } from '../errors.js';
import { sha256Hex } from '../sha256.js';
import { keysOfRequest, type RequestKeyRow } from '../store/request-keys.js';
import type { Store } from '../store/open-store.js';
import type { SendResult } from './deliver.js';

/**
 * The fingerprint the parts of a text carry: the content's, the parts' count and their texts' digest,
 * for one part too. Parts a version before this one wrote carry the content's alone, so any rerun of
 * them (as one message, or split in as many or other parts) differs from them and the claim refuses
 * it: `earlierLayout` then reads what the old rows say. Were one part to carry the content's alone, a
 * rerun as one message of a text an older version sent in several parts would find no row of its key
 * and no other fingerprint under the caller's key, and be sent again.
 */
export function layoutFingerprint(contentFingerprint: string, parts: string[]): string {
  return `${contentFingerprint}:${parts.length}:${sha256Hex(JSON.stringify(parts)).slice(0, 16)}`;
}

const contentOf = (fingerprint: string | null) => fingerprint?.split(':')[0];
/** `K` is part 1 of 1, `K#i/n` part i of n. */
const partOf = (requestKey: string, key: string) => {
  const m = /^#(\d+)\/(\d+)$/.exec(key.slice(requestKey.length));
  return m ? { part: Number(m[1]), parts: Number(m[2]) } : { part: 1, parts: 1 };
};

export interface ThisLayout {
  requestKey: string;
  contentFingerprint: string;
  parts: string[];
}

/** What to do about a claim refused for the text's first part (undefined: the key stands for another message; its own error stands). */
export type EarlierLayout =
  /** The rows predate layouts in fingerprints, split into as many parts with the same texts (as far as the store kept them): carry on under the content's fingerprint. */
  | { kind: 'same-parts-unrecorded' }
  /** The earlier layout went out whole: its results, nothing sent now. */
  | { kind: 'sent'; results: SendResult[] };

export async function earlierLayout(store: Store, now: ThisLayout): Promise<EarlierLayout | undefined> {
  return judgeEarlierLayout(await keysOfRequest(store, now.requestKey), now);
}

/** `earlierLayout` on rows already read (a dry run reads them itself): throws the refusal a real run would. */
export function judgeEarlierLayout(rows: RequestKeyRow[], now: ThisLayout): EarlierLayout | undefined {
  if (!rows.length || rows.some((r) => contentOf(r.fingerprint) !== now.contentFingerprint)) return undefined;
  const earlierParts = partOf(now.requestKey, rows[0].key).parts;
  if (earlierParts === now.parts.length && rows.every((r) => r.fingerprint === now.contentFingerprint && sameText(r, now))) return { kind: 'same-parts-unrecorded' };
  const layoutChanged = { earlierParts, partsThisRun: now.parts.length };
  if (rows.length === earlierParts && rows.every((r) => r.state === 'settled' && r.result)) {
    const inOrder = [...rows].sort((a, b) => partOf(now.requestKey, a.key).part - partOf(now.requestKey, b.key).part);
    return { kind: 'sent', results: inOrder.map((r) => ({ ...(JSON.parse(r.result!) as SendResult), deduplicated: true, layoutChanged })) };
  }
  throw layoutChangedError(now, rows, earlierParts);
}

/** An old row's part holds the text this run gives that part (or the store no longer keeps it: retention pruned it). */
function sameText(row: RequestKeyRow, now: ThisLayout): boolean {
  const body = bodyOf(row.request);
  return body === undefined || body === now.parts[partOf(now.requestKey, row.key).part - 1];
}

/**
 * What a settled row under the caller's key itself (`K`: the text went out as one message) says of this
 * run's text, for a batch that reads such rows in stretches instead of claiming them (batch-settled.ts):
 * undefined when it stands for other content, else the note its claim would answer with (`layoutChanged`
 * when this run splits the text otherwise).
 */
export function settledWholeNote(fingerprint: string | null, now: Omit<ThisLayout, 'requestKey'>): Pick<SendResult, 'layoutChanged'> | undefined {
  if (contentOf(fingerprint) !== now.contentFingerprint) return undefined;
  const sameLayout = fingerprint === layoutFingerprint(now.contentFingerprint, now.parts) || (fingerprint === now.contentFingerprint && now.parts.length === 1);
  return sameLayout ? {} : { layoutChanged: { earlierParts: 1, partsThisRun: now.parts.length } };
}

const earlierWords = (n: number) => (n === 1 ? 'sent as one message' : `split into ${n} parts`);
const nowWords = (n: number) => (n === 1 ? 'send it as one message' : `split it into ${n} parts`);

function layoutChangedError(now: ThisLayout, rows: RequestKeyRow[], earlierParts: number): UserError {
  const count = (state: RequestKeyRow['state']) => rows.filter((r) => r.state === state).length;
  const states = [
    `${count('settled')} sent`,
    count('pending') && `${count('pending')} pending`,
    count('failed') && `${count('failed')} failed`,
    earlierParts > rows.length && `${earlierParts - rows.length} not started`,
  ].filter(Boolean);
  const longest = Math.max(0, ...rows.map((r) => [...(bodyOf(r.request) ?? '')].length));
  const then = earlierParts > 1 && longest ? ` (its longest part had ${longest} characters, so sms.maxLength was at least ${longest})` : '';
  return new UserError(
    `Idempotency key "${now.requestKey}" was ${earlierWords(earlierParts)} before (${states.join(', ')}), and this run would ${nowWords(now.parts.length)}${earlierParts === now.parts.length ? ' with other texts' : ''}; nothing was sent.`,
    {
      code: 'idempotency_key_layout_changed',
      hint:
        `The chunking settings differ from the earlier run's (sms.maxLength, sms.chunkMode, sms.segmentNumbering, or another version's splitter). ` +
        `Rerun with the settings in effect then${then} to finish it as it was begun, or use a new --idempotency-key to send the whole text again as a new message.`,
    },
  );
}

/** The stored request's body, unless retention pruned it. */
function bodyOf(request: string): string | undefined {
  try {
    const body = (JSON.parse(request) as { body?: unknown }).body;
    return typeof body === 'string' ? body : undefined;
  } catch {
    return undefined;
  }
}
