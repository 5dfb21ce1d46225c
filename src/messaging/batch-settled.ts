/**
 * The rows of a batch whose message is already out (sent by an earlier run, or by another run of the
 * same batch going on now), found without claiming them one by one: the rows are read from the store
 * a stretch of STRETCH rows at a time (one statement, store/settled-keys.ts), and a row found settled
 * there is answered as its claim would have answered it (deduplicated, or sent by another run) with
 * no claim, no opt-out look-up and, for its audit event, a share of one insert. On PostgreSQL that is
 * one round trip for a stretch instead of three or four a row: a run restarted after a crash, or two
 * runs of one batch meeting in the rows the other sent, spent most of their store time there.
 *
 * A stretch is read when the run first reaches it, and read again (at most every REREAD_AFTER_MS)
 * once a row of it turned out sent or held by another run, since that run may have sent its neighbours
 * by now. A row not found settled is sent the usual way (claim and all): the read only ever skips
 * work, so a stale read costs a claim, never a duplicate. Rows the usual way would treat differently
 * go that way: rows with media (their fingerprint needs the files), and every row when each send is
 * held for approval (`outbound.approval: always`).
 */
import type { Logger } from '../log.js';
import type { ClaimOwner } from '../store/claims.js';
import { type AuditEvent, appendEvents } from '../store/events.js';
import type { Store } from '../store/open-store.js';
import { findSettledKeys, type SettledKey } from '../store/settled-keys.js';
import { uuidV7 } from '../unique-id.js';
import type { BatchRow } from './batch.js';
import { settledWholeNote } from './chunk-layout.js';
import type { ChunkOptions } from './chunk.js';
import { planMessage, type Prices } from './plan.js';
import { messageFingerprint, type SendResult } from './deliver.js';
import { answerFromSettled } from './settled-answer.js';
import type { TextPolicy } from './send-text.js';

/** Rows read in one statement. */
const STRETCH = 100;
/** A stretch another run is working in is read again at most this often. */
const REREAD_AFTER_MS = 250;

export interface SettledRows {
  /** The row's result when the store already holds it settled; undefined: send it the usual way. */
  resultOf(index: number): Promise<SendResult | undefined>;
  /** A row of this stretch turned out sent, or held, by another run: read the stretch again when next asked. */
  metAnotherRun(index: number): void;
}

export interface SettledRowsContext {
  store: Store;
  claims: ClaimOwner;
  logger: Logger;
  policy: TextPolicy;
  sender: { from?: string; messagingServiceSid?: string };
}

export function createSettledRows(ctx: SettledRowsContext, rows: readonly BatchRow[]): SettledRows {
  const found = new Map<string, SettledKey>();
  const reads = new Map<number, { at: number; done: Promise<void> }>();
  const stale = new Set<number>();
  const logEvent = eventsOfOneTurn(ctx.store);
  const answersFromStore = (r: BatchRow) => r.media.length === 0 && (ctx.policy.approved === true || ctx.policy.approval !== 'always');

  const read = async (stretch: number) => {
    const wanted = rows.slice(stretch * STRETCH, (stretch + 1) * STRETCH).filter((r) => answersFromStore(r) && !found.has(r.key));
    for (const k of await findSettledKeys(ctx.store, wanted)) found.set(k.key, k);
  };
  const readIfDue = (stretch: number) => {
    const last = reads.get(stretch);
    if (last && !(stale.has(stretch) && Date.now() - last.at >= REREAD_AFTER_MS)) return last.done;
    stale.delete(stretch);
    // A failed read is not kept: the next row of the stretch reads it again.
    const done = read(stretch).catch((err: unknown) => {
      reads.delete(stretch);
      throw err;
    });
    reads.set(stretch, { at: Date.now(), done });
    return done;
  };

  return {
    async resultOf(index) {
      const r = rows[index];
      if (!answersFromStore(r)) return undefined;
      if (!found.has(r.key)) await readIfDue(Math.floor(index / STRETCH));
      const settled = found.get(r.key);
      // The key stands for other parameters (a key column reused): the usual way refuses it.
      const note = settled && settledWholeNote(settled.fingerprint, { contentFingerprint: fingerprintOf(r, ctx.sender), parts: partsOf(r, ctx.policy.chunking, ctx.policy.prices) });
      if (!settled || !note) return undefined;
      const answer = answerFromSettled(settled, ctx.claims);
      answer.result = { ...answer.result, ...note };
      const correlationId = uuidV7();
      const fields = { key: r.key, to: r.to, outcome: answer.outcome, ...answer.fields };
      ctx.logger.event('twilio.sms.send', { correlationId, ...fields });
      await logEvent({ kind: 'twilio.sms.send', correlationId, data: fields });
      return answer.result;
    },
    metAnotherRun(index) {
      stale.add(Math.floor(index / STRETCH));
    },
  };
}

/** The fingerprint the row's claim would carry (deliver.ts): a row without media is one request of to, sender and body. */
function fingerprintOf(r: BatchRow, defaultSender: SettledRowsContext['sender']): string {
  const sender = r.from ? { from: r.from } : defaultSender;
  return messageFingerprint({ to: r.to, ...sender, body: r.body, media: [] });
}

/** The row's text as this run splits it (send-text.ts does the same for a row sent the usual way). */
function partsOf(r: BatchRow, chunking: ChunkOptions, prices: Prices): string[] {
  return planMessage(r.body, [], chunking, prices).chunks.map((c) => c.text);
}

/** Audit events logged in one turn of the event loop go in one insert; each caller waits for its own to be written. */
function eventsOfOneTurn(store: Store): (event: AuditEvent) => Promise<void> {
  let waiting: AuditEvent[] = [];
  let written: Promise<void> | undefined;
  return (event) => {
    waiting.push(event);
    written ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const events = waiting;
      [waiting, written] = [[], undefined];
      return appendEvents(store, events);
    });
    return written;
  };
}
