/**
 * Batches: rows from CSV (header row), NDJSON or a list of numbers, each with a key derived from the
 * batch and the row so a re-run skips what was sent; sent by a pool of workers through the per-sender
 * rate limiters; stopping takes no new rows, sends none of the rows still waiting for a rate slot
 * (not started) and lets the requests in flight settle. Concurrent runs of one batch share its rows:
 * each row is sent by exactly one of them.
 */
import { defaultMaxListeners, setMaxListeners } from 'node:events';
import { readFileSync, realpathSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { AnswerLostError, InternalError, isProgrammingError, KeyInFlightError, StoppedBeforeSendError, unreadableFile, UserError } from '../errors.js';
import { setTimeout as delay } from 'node:timers/promises';
import type { SendResult } from './deliver.js';
import { toE164 } from './phone.js';
import type { MessagingSession } from './session.js';
import { sendText, type TextOutcome } from './send-text.js';
import { fromCsvCell } from './csv-cell.js';
import { decodeInputText } from '../text/input-text.js';
import { earlierBatchId, earlierRowKey, hash } from './batch-earlier-keys.js';
import { createRowQueue } from './batch-queue.js';
import { createSettledRows } from './batch-settled.js';

export interface BatchRow {
  /** 1-based row number in the input (data rows, the CSV header excluded). */
  row: number;
  to: string;
  body: string;
  media: string[];
  key: string;
  from?: string;
  /** The key a version before content keys gave this row (see batch-earlier-keys.ts); absent with --batch-id or a key column. */
  earlierKey?: string;
}

export interface BatchInput {
  rows: BatchRow[];
  /** Rows that could not be read, with why. */
  invalid: { row: number; raw: unknown; error: string; /** The row's to and body as far as they are text, for reports. */ to: string; body: string }[];
}

export type BatchFormat = 'csv' | 'ndjson';


/**
 * Identifies a batch: the name given with --batch-id, else its file's real path (the native call
 * gives Windows' canonical letter case, so `Batch.csv` and `batch.csv` are one file), else (standard
 * input) its content. A copy, a pipe of the file, or a mapped drive and its UNC path are other
 * batches unless --batch-id says they are one.
 */
export function batchId(source: string, text: string, declared?: string): string {
  if (declared !== undefined) return hash(`id:${declared}`);
  return hash(source === '-' ? `stdin:${text}` : `file:${realpathSync.native(source)}`);
}

/** The names --batch-id takes: printable, no spaces, short enough to read in a key. */
export function checkBatchIdName(name: string): string {
  if (/^[\x21-\x7e]{1,100}$/.test(name)) return name;
  throw new UserError('--batch-id takes a name of 1 to 100 printable characters without spaces.', { code: 'invalid_batch_id', hint: 'For example --batch-id reminders-2026-w49; runs given the same name are one batch.' });
}

/**
 * Each row's key: the batch, the row's content (to, from, body, media) and which copy of an identical
 * row it is, not its line number, so a row inserted or removed before a rerun leaves the other
 * rows' keys (and what they sent) alone, and two identical rows still send twice.
 */
function rowKeys(id: string) {
  const seen = new Map<string, number>();
  return (row: { to: string; from?: string; body: string; media: string[] }) => {
    const content = hash(JSON.stringify([row.to, row.from ?? '', row.body, row.media]));
    const occurrence = (seen.get(content) ?? 0) + 1;
    seen.set(content, occurrence);
    return `batch:${id}:${content}:${occurrence}`;
  };
}

export function parseBatch(text: string, format: BatchFormat, id: string): Record<string, unknown>[] {
  if (format === 'ndjson') {
    return text
      .split(/\r?\n/)
      .map((line, i) => ({ line: line.trim(), i }))
      .filter(({ line }) => line !== '')
      .map(({ line, i }) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new UserError(`batch ${id}: line ${i + 1} is not JSON`, { code: 'batch_unreadable', hint: 'Each line of an NDJSON batch is one object: {"to":"+1555...","body":"..."}.' });
        }
      });
  }
  try {
    const records: Record<string, string>[] = parseCsv(text, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true, relax_column_count: true });
    // A failed-rows file neutralised its formula cells with a leading quote; the row is sent as it was.
    return records.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? fromCsvCell(v) : v])));
  } catch (err) {
    throw new UserError(`The batch CSV cannot be read: ${(err as Error).message}`, { code: 'batch_unreadable', hint: 'The first row names the columns: to,body (optional media, key, from).' });
  }
}

export function formatOf(source: string, text: string): BatchFormat {
  if (/\.(ndjson|jsonl)$/i.test(source)) return 'ndjson';
  if (/\.csv$/i.test(source)) return 'csv';
  return text.trimStart().startsWith('{') ? 'ndjson' : 'csv';
}

/** A batch file, or (`-`) the bytes piped in, decoded as every text input is (src/text/input-text.ts). */
export function readBatchFile(source: string, stdinBytes?: Buffer, flag = '--batch', declaredId?: string): { text: string; id: string; earlierId?: string; format: BatchFormat } {
  let text: string;
  try {
    const stdin = source === '-';
    const label = stdin ? `${flag} - (standard input)` : `${flag} ${source}`;
    text = decodeInputText(stdin ? (stdinBytes ?? Buffer.alloc(0)) : readFileSync(source), { kind: 'batch', label, stdin }, { keepUtf8Mark: true });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw unreadableFile(flag, source, err, 'batch_missing');
  }
  return { text, id: batchId(source, text, declaredId), earlierId: declaredId === undefined ? earlierBatchId(source, text) : undefined, format: formatOf(source, text) };
}

/** A column's text: a string or number as written, nothing when absent; anything else is a bad row. */
function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function cell(value: unknown, column: string): string {
  const text = textOf(value);
  if (text === undefined) throw new Error(`the "${column}" column is not text`);
  return text;
}

const isRecord = (raw: unknown): raw is Record<string, unknown> => typeof raw === 'object' && raw !== null && !Array.isArray(raw);

/** Validates each record into a row; bad rows are kept aside, not dropped. A bug is thrown, not kept. */
export function toRows(records: unknown[], id: string, defaultCountry?: string, earlierId?: string): BatchInput {
  const rows: BatchRow[] = [];
  const invalid: BatchInput['invalid'] = [];
  const keyOf = rowKeys(id);
  records.forEach((raw, i) => {
    const row = i + 1;
    try {
      if (!isRecord(raw)) throw new Error('the row is not an object like {"to":"+1555...","body":"..."}');
      const toText = cell(raw.to, 'to').trim();
      const body = cell(raw.body, 'body');
      const media = Array.isArray(raw.media) ? raw.media.map((m) => cell(m, 'media')) : cell(raw.media, 'media').split(/[\s|]+/).filter(Boolean);
      if (!toText) throw new Error('the "to" column is empty');
      if (!body && !media.length) throw new Error('the "body" column is empty');
      const to = toE164(toText, defaultCountry, 'To number');
      const from = raw.from ? toE164(cell(raw.from, 'from'), defaultCountry, 'From number') : undefined;
      // A failed-rows file carries each row's key from its first run.
      const key = raw.key ? cell(raw.key, 'key') : keyOf({ to, from, body, media });
      const earlierKey = raw.key || earlierId === undefined ? undefined : earlierRowKey(earlierId, row, { to, body, media });
      rows.push({ row, to, body, media, key, from, ...(earlierKey ? { earlierKey } : {}) });
    } catch (err) {
      if (isProgrammingError(err)) throw err;
      const shown = (column: string) => (isRecord(raw) ? textOf(raw[column]) : undefined) ?? '';
      invalid.push({ row, raw, error: (err as Error).message, to: shown('to'), body: shown('body') });
    }
  });
  return { rows, invalid };
}

export interface RowOutcome {
  row: number;
  to: string;
  key: string;
  ok: boolean;
  results?: SendResult[];
  approvalId?: string;
  error?: { code: string; message: string; twilioCode?: number; hint?: string };
}

export interface BatchRunOptions {
  concurrency: number;
  statusCallback?: string;
  /**
   * Aborted to stop (Ctrl-C, SIGTERM): no new rows, and a row still waiting for its rate slot is not
   * sent (it counts as not started, and a rerun sends it); a request already made completes.
   */
  signal?: AbortSignal;
  onOutcome: (o: RowOutcome) => void;
}

/** How long a row may wait for another run that holds its key before it is reported as failed. */
const MAX_DEFER_MS = 120_000;

/**
 * A row whose request was made but whose answer was lost, and the run stopped before Twilio's list
 * showed the message: its outcome is unknown. Its key records the request and the loss, so the rerun
 * (the failed-rows file keeps the key) watches the list on from the loss and sends only if nothing went out.
 */
function answerUnknown(r: BatchRow): RowOutcome {
  const message = "Its request was made, but the answer was lost and the run stopped before Twilio's list showed the message: whether it went out is not known yet.";
  const hint = "Run the batch (or the failed-rows file) again: it looks for the message in Twilio's list and sends it only if it did not go out.";
  return { row: r.row, to: r.to, key: r.key, ok: false, error: { code: 'outcome_unknown', message, hint } };
}

/**
 * A row met held again once the new rows are done (a put-off row comes back only then) is what the
 * batch waits for: the other run settles it any moment, and each poll is one claim (one round trip),
 * so it is looked at every END_POLL_MS, not after up to the half second the holder's lease suggests
 * (which the last row of the batch added to its time, ~0.25 s on average).
 */
export const END_POLL_MS = 100;

export function lookAgainInMs(err: KeyInFlightError | AnswerLostError, metBefore: boolean): number {
  return err instanceof KeyInFlightError && metBefore ? Math.min(err.retryInMs, END_POLL_MS) : err.retryInMs;
}

/**
 * Sends the rows through `concurrency` workers. Two runs of one batch cooperate: a row whose key
 * another live run holds is not sent here; it is put off (batch-queue.ts) and looked at again after
 * the new rows, when it is settled (reported as sent by the other run), or, as soon as that run is
 * known dead, taken over and reconciled.
 */
export async function runBatch(session: MessagingSession, rows: BatchRow[], opts: BatchRunOptions): Promise<{ outcomes: RowOutcome[]; stopped: boolean; storeError?: UserError }> {
  const outcomes: RowOutcome[] = [];
  const queue = createRowQueue(rows, (owner) => session.claims.ownerIsGone(owner));
  // Rows already sent (an earlier run, another run now) are read a stretch at a time, not claimed one by one.
  const settled = createSettledRows(session, rows);
  // A bug stops the batch (the rows in flight settle first) instead of failing row after row.
  let bug: InternalError | undefined;
  // So does a store that stopped answering (a PostgreSQL restart): every later row would fail the
  // same way, so the rest are left not started, and a rerun of the batch, once the store is back,
  // sends them (and reconciles the row that met the failure, whose key records how far it got).
  let storeError: UserError | undefined;
  // Rows put off while their lost answer is looked for: their request was made, so a stop before the
  // look ends must not report them "not started" (see answerUnknown below).
  const lookingForLostAnswer = new Set<BatchRow>();
  const worker = async () => {
    const stopped = () => opts.signal?.aborted === true || storeError !== undefined;
    while (!stopped() && !bug) {
      const item = queue.next(Date.now());
      if (!item) break;
      const wait = item.notBefore - Date.now();
      if (wait > 0) await delay(wait, undefined, { signal: opts.signal }).catch(() => undefined);
      if (stopped()) {
        queue.putBack(item);
        break;
      }
      const { r } = item;
      const sender = r.from ? { from: r.from } : session.sender;
      let outcome: RowOutcome;
      try {
        const known = item.index !== undefined ? await settled.resultOf(item.index) : undefined;
        const res: TextOutcome = known
          ? { kind: 'sent', results: [known] }
          : await sendText(
              { to: r.to, body: r.body, media: r.media, ...sender, statusCallback: opts.statusCallback, idempotencyKey: r.key },
              session.policy,
              { ...session.depsFor(sender), busyWaitMs: 0, putBackLostAnswers: true, signal: opts.signal },
            );
        if (!known && item.index !== undefined && res.kind === 'sent' && res.results.some((x) => x.deduplicated)) settled.metAnotherRun(item.index);
        outcome = res.kind === 'sent' ? { row: r.row, to: r.to, key: r.key, ok: true, results: res.results } : { row: r.row, to: r.to, key: r.key, ok: true, approvalId: res.approvalId };
      } catch (err) {
        if (err instanceof StoppedBeforeSendError) {
          queue.putBack(item); // not started: the summary counts it, a rerun sends it
          break;
        }
        // Held by another run, or this run's own lost answer still being looked for: other rows go first.
        if ((err instanceof KeyInFlightError || err instanceof AnswerLostError) && Date.now() - (item.deferredSince || Date.now()) < MAX_DEFER_MS) {
          if (err instanceof KeyInFlightError && item.index !== undefined) settled.metAnotherRun(item.index);
          if (err instanceof KeyInFlightError && !item.deferredSince) queue.metAnotherRun(item);
          if (err instanceof AnswerLostError) lookingForLostAnswer.add(r);
          queue.putOff(item, Date.now() + lookAgainInMs(err, item.deferredSince > 0), Date.now(), err instanceof KeyInFlightError ? err.owner : undefined);
          continue;
        }
        if (isProgrammingError(err)) {
          bug ??= new InternalError(`A bug stopped the batch at row ${r.row}: ${err.message}`, { cause: err });
          return;
        }
        const e = err as Error & { code?: string; twilioCode?: number; hint?: string };
        if (err instanceof UserError && err.code === 'store_unavailable') storeError ??= err;
        outcome = { row: r.row, to: r.to, key: r.key, ok: false, error: { code: e.code ?? 'error', message: e.message, ...(e.twilioCode ? { twilioCode: e.twilioCode } : {}), ...(e.hint ? { hint: e.hint } : {}) } };
      }
      lookingForLostAnswer.delete(r);
      outcomes.push(outcome);
      opts.onOutcome(outcome);
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency, rows.length));
  // Every worker may wait on the stop signal at once (for its turn, its rate slot, an API slot):
  // past Node's default of 10 listeners it prints a MaxListenersExceededWarning on the user's stderr.
  if (opts.signal) setMaxListeners(Math.max(defaultMaxListeners, 3 * workers), opts.signal);
  await Promise.all(Array.from({ length: workers }, worker));
  if (bug) throw bug;
  for (const r of lookingForLostAnswer) {
    const outcome = answerUnknown(r);
    outcomes.push(outcome);
    opts.onOutcome(outcome);
  }
  return { outcomes, stopped: queue.size > 0 && !storeError, ...(storeError ? { storeError } : {}) };
}
