/**
 * The batch verb behind `send --batch` and `send --to-file`: read the input into rows, send them
 * through a session's worker pool, and sum up what happened, writing the failed rows to a CSV that
 * `send --batch` takes again. The command only prompts, shows progress and prints.
 */
import { type BatchInput, type BatchRow, parseBatch, readBatchFile, type RowOutcome, runBatch, toRows } from './batch.js';
import type { MessagingSession } from './session.js';
import { type FailedRowsFile, writeFailedRows } from './failed-rows-file.js';
import { keepEarlierKeys } from './batch-earlier-keys.js';

export interface BatchSource {
  /** `--batch <file>` (CSV or NDJSON; `-` is standard input). */
  batch?: string;
  /** `--to-file <file>`: one number per line, all sent `body`. */
  toFile?: string;
  body?: string;
  /** `--batch-id`: runs given the same name are one batch, whatever file or pipe their rows came from. */
  batchId?: string;
}

export interface LoadedBatch extends BatchInput {
  /** The file named on the command line (`-` for standard input), for the failed-rows file's name. */
  source: string;
}

/** `--to-file`: one number per line; blank lines and lines starting with # are skipped. */
export function parseNumberList(text: string, body: string): Record<string, unknown>[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((to) => ({ to, body }));
}

/** Reads `--batch` or `--to-file` into validated rows (bad rows kept aside with why). */
export async function loadBatch(from: BatchSource, readStdin: () => Promise<Buffer>, defaultCountry?: string): Promise<LoadedBatch> {
  if (from.toFile) {
    const file = readBatchFile(from.toFile, from.toFile === '-' ? await readStdin() : undefined, '--to-file', from.batchId);
    return { source: from.toFile, ...toRows(parseNumberList(file.text, from.body ?? ''), file.id, defaultCountry, file.earlierId) };
  }
  const source = from.batch!;
  const file = readBatchFile(source, source === '-' ? await readStdin() : undefined, '--batch', from.batchId);
  return { source, ...toRows(parseBatch(file.text, file.format, source), file.id, defaultCountry, file.earlierId) };
}

/** Enough workers to keep the sender's rate busy without flooding the pool of connections. */
export function defaultConcurrency(ratePerSecond: number): number {
  return Math.min(32, Math.max(2, Math.ceil(ratePerSecond / 8) + 2));
}

export interface SendBatchOptions {
  concurrency: number;
  statusCallback?: string;
  /** Aborted to stop (Ctrl-C): no new rows, rows waiting for a rate slot not sent (see runBatch). */
  signal?: AbortSignal;
  /** Each row as it settles, the unreadable ones first. */
  onOutcome: (o: RowOutcome) => void;
}

export interface BatchSummary {
  rows: number;
  /** Rows whose message is out: sent by this run (`sentNow`) or before it (`deduplicated`). */
  sent: number;
  /** Rows this run sent. */
  sentNow: number;
  /** Rows already sent before (an earlier run, or another run going on now): not sent again. */
  deduplicated: number;
  /** Of the deduplicated rows, those another run of the same batch sent while this one ran. */
  byOtherRun: number;
  pendingApproval: number;
  failed: number;
  notStarted: number;
  messages: number;
  segments: number;
  elapsedSeconds: number;
  ratePerSecond: number;
  /** The rows to run again (failed, and not started when the run stopped early), as a batch file with their keys (failed-rows-file.ts says where). */
  failedFile: string | null;
  /** Why there are rows to run again but no file: every folder tried refused it. */
  failedFileError: FailedRowsFile['error'];
  interrupted: boolean;
  /** Set when the store stopped answering and the batch stopped there (the rest are not started). */
  storeUnavailable: { code: string; message: string; hint?: string } | null;
}

export async function sendBatch(session: MessagingSession, batch: LoadedBatch, opts: SendBatchOptions): Promise<BatchSummary> {
  const { rows, invalid } = batch;
  const started = performance.now();
  for (const bad of invalid) opts.onOutcome({ row: bad.row, to: bad.to, key: '', ok: false, error: { code: 'invalid_row', message: bad.error } });
  await keepEarlierKeys(session.store, rows);
  const { outcomes, stopped, storeError } = await runBatch(session, rows, opts);
  const elapsed = (performance.now() - started) / 1000;
  const failedRows = [
    ...invalid.map((b) => ({ row: b.row, to: b.to, body: b.body, media: '', key: '', from: '', error: b.error })),
    ...outcomes.filter((o) => !o.ok).map((o) => failedRowOf(o, rows)),
  ];
  // Rows a stop left not started go in the same file, so a job that reruns the file finishes the batch.
  const done = new Set(outcomes.map((o) => o.row));
  const why = storeError ? 'the store stopped answering' : 'the run was stopped';
  const notStartedRows = rows.filter((r) => !done.has(r.row)).map((r) => ({ row: r.row, to: r.to, body: r.body, media: r.media.join(' '), key: r.key, from: r.from ?? '', error: `not started: ${why} before this row` }));
  const rowsToRerun = [...failedRows, ...notStartedRows].sort((a, b) => a.row - b.row);
  const written = rowsToRerun.length ? writeFailedRows(batch.source, rowsToRerun) : { file: null, error: null };
  const messages = outcomes.flatMap((o) => o.results ?? []);
  const sentNow = outcomes.filter((o) => o.ok && o.results && !o.results.every((r) => r.deduplicated)).length;
  return {
    rows: rows.length + invalid.length,
    sent: outcomes.filter((o) => o.ok && o.results).length,
    sentNow,
    deduplicated: outcomes.filter((o) => o.results?.every((r) => r.deduplicated)).length,
    byOtherRun: outcomes.filter((o) => o.results?.some((r) => r.sentByOtherRun)).length,
    pendingApproval: outcomes.filter((o) => o.approvalId).length,
    failed: failedRows.length,
    notStarted: rows.length - outcomes.length,
    messages: messages.length,
    segments: messages.reduce((n, r) => n + r.segments, 0),
    elapsedSeconds: Math.round(elapsed * 1000) / 1000,
    // What this run sent: rows found sent already (deduplicated, or by another run) cost no send.
    ratePerSecond: Math.round((sentNow / Math.max(elapsed, 0.001)) * 100) / 100,
    failedFile: written.file,
    failedFileError: written.error,
    interrupted: stopped,
    storeUnavailable: storeError ? { code: storeError.code, message: storeError.message, ...(storeError.hint ? { hint: storeError.hint } : {}) } : null,
  };
}

function failedRowOf(o: RowOutcome, rows: BatchRow[]) {
  const r = rows.find((x) => x.row === o.row)!;
  return { row: o.row, to: o.to, body: r.body, media: r.media.join(' '), key: o.key, from: r.from ?? '', error: o.error?.message ?? '' };
}
