/** `send`: one message, a dry run, or a batch (CSV, NDJSON, or a list of numbers). */
import { readFileSync } from 'node:fs';
import { ExitCode, unreadableFile, UserError } from '../../errors.js';
import type { RowOutcome } from '../../messaging/batch.js';
import type { SendResult } from '../../messaging/deliver.js';
import { toE164 } from '../../messaging/phone.js';
import { inspectMedia } from '../../messaging/outbound-media.js';
import { planMessage } from '../../messaging/plan.js';
import { type MessagingSession, openMessagingSession, plannedSender } from '../../messaging/session.js';
import type { BatchSummary } from '../../messaging/send-batch.js';
import { sendText } from '../../messaging/send-text.js';
import type { CommandContext } from '../context.js';
import type { Output } from '../output.js';
import { createProgress } from '../progress.js';
import { confirm, readAllStdinBytes } from '../prompt.js';
import { decodeInputText } from '../../text/input-text.js';
import { loadSettings, type Settings } from '../../config/settings.js';
import { safeForTerminal } from '../../text/terminal-safe.js';
import { STOP_SIGNALS } from '../signals.js';
import { commandPrefix } from '../../command-prefix.js';

interface SendFlags {
  bodyFile?: string;
  from?: string;
  messagingService?: string;
  media?: string[];
  statusCallback?: string;
  idempotencyKey?: string;
  dryRun?: boolean;
  yes?: boolean;
  defaultCountry?: string;
  rate?: string;
  batch?: string;
  toFile?: string;
  batchId?: string;
  concurrency?: string;
}

/** One sent message as a line; its SID, status and number come from Twilio's answer, the other run's id from the store: outside text. */
export function describeResult(r: SendResult): string {
  const part = r.chunks ? ` [${r.chunk}/${r.chunks}]` : '';
  const layout = r.layoutChanged && ` already sent in ${r.layoutChanged.earlierParts} part${r.layoutChanged.earlierParts === 1 ? '' : 's'} (this run would split it in ${r.layoutChanged.partsThisRun}): deduplicated, nothing sent again`;
  return safeForTerminal(`${r.sid} ${r.status} -> ${r.to}${part} (${r.segments} segment${r.segments === 1 ? '' : 's'}, ${r.encoding})${r.sentByOtherRun ? ` sent by another run (${r.sentByOtherRun})` : layout || (r.deduplicated ? ' already sent: deduplicated' : '')}`);
}

function parseRate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate <= 0) throw new UserError(`--rate ${text} is not a rate`, { code: 'invalid_rate', hint: 'Give messages per second, e.g. --rate 10.' });
  return rate;
}

/** The body: the argument, `--body-file`, or (`-`) standard input; files and pipes decoded as every text input is. */
async function readBody(bodyArg: string | undefined, f: SendFlags): Promise<string> {
  if (f.bodyFile) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(f.bodyFile);
    } catch (err) {
      throw unreadableFile('--body-file', f.bodyFile, err, 'body_file');
    }
    return decodeInputText(bytes, { kind: 'body', label: `--body-file ${f.bodyFile}` }).replace(/\r?\n$/, '');
  }
  if (bodyArg === '-') return decodeInputText(await readAllStdinBytes(), { kind: 'body', label: 'the body from standard input (-)', stdin: true }).replace(/\r?\n$/, '');
  return bodyArg ?? '';
}

export async function send(ctx: CommandContext, toArg?: string, bodyArg?: string): Promise<number> {
  const f = ctx.opts as SendFlags;
  if (f.batch || f.toFile) return sendBatchCommand(ctx, f, toArg, bodyArg);
  if (f.batchId !== undefined) throw new UserError('--batch-id names a batch: it goes with --batch or --to-file.', { code: 'usage', hint: 'A single send takes --idempotency-key <key> instead.' });
  if (!toArg) throw new UserError('No recipient given.', { code: 'usage', hint: `${commandPrefix()} send +15550005678 "Hello"` });
  const settings = await loadSettings(ctx.global);
  const sms = settings.resolution.config.sms;
  const defaultCountry = f.defaultCountry ?? sms.defaultCountry;
  const to = toE164(toArg, defaultCountry, 'To number');
  const body = await readBody(bodyArg, f);
  const media = f.media ?? [];

  if (f.dryRun) {
    const sender = await dryRunSender(settings, f, defaultCountry, ctx.global.sandbox);
    // Local files are checked as a real send would: a file Twilio would refuse fails the dry run too.
    await inspectMedia(media);
    const plan = planMessage(body, media, { mode: sms.chunkMode, maxLength: sms.maxLength, numbering: sms.segmentNumbering }, sms);
    for (const w of plan.warnings) ctx.out.warn(w);
    ctx.out.result({ to, ...sender, segments: plan.segments, encoding: plan.encoding, chunks: plan.chunks, estimatedPrice: plan.estimatedPrice, warnings: plan.warnings }, () =>
      [
        `to ${to}, from ${sender.messagingServiceSid ? `Messaging Service ${sender.messagingServiceSid}` : (sender.from ?? 'no sender configured (the real send would fail)')}`,
        ...plan.chunks.map((c, i) => `chunk ${i + 1}/${plan.chunks.length}: ${c.characters} characters, ${c.segments} segment(s), ${c.encoding}\n  ${safeForTerminal(c.text, { multiline: true, max: Number.POSITIVE_INFINITY }).replace(/\n/g, '\n  ')}`),
        `total: ${plan.chunks.length} message(s), ${plan.segments} segment(s), ${plan.encoding}, estimated $${plan.estimatedPrice.toFixed(4)} (nothing was sent)`,
      ].join('\n'),
    );
    return 0;
  }

  const session = await openMessagingSession(settings, { sandbox: ctx.global.sandbox, rate: parseRate(f.rate), from: f.from, messagingServiceSid: f.messagingService, defaultCountry });
  try {
    const plan = planMessage(body, media, session.policy.chunking, session.policy.prices);
    for (const w of plan.warnings) ctx.out.warn(w);
    const outcome = await sendText({ to, body, media, ...session.sender, statusCallback: f.statusCallback, idempotencyKey: f.idempotencyKey }, session.policy, session.depsFor(session.sender));
    noteSandboxSender(ctx.out, session);
    if (outcome.kind === 'pending-approval') {
      const data = { status: 'pending-approval', approvalId: outcome.approvalId, idempotencyKey: outcome.idempotencyKey, to, reason: outcome.reason };
      // One line under --json, as a sent text's (below).
      if (ctx.out.json) ctx.out.line(data);
      else ctx.out.result(data, () => `Held for approval (${outcome.reason}): ${outcome.approvalId}. Approve with \`${commandPrefix()} approvals approve ${outcome.approvalId}\`.`);
      return 0;
    }
    // One line per message, a short text's one as a long text's parts, so one reader takes every case
    // (PowerShell: `| ForEach-Object { $_ | ConvertFrom-Json }`); a pretty-printed object would not read line by line.
    if (ctx.out.json) for (const r of outcome.results) ctx.out.line(r);
    else ctx.out.result(null, () => outcome.results.map(describeResult).join('\n'));
    return 0;
  } finally {
    await session.close({ forExit: ctx.exitsWhenDone });
  }
}

/** The sender a real send would use, normalised as it would be (a bad --from fails here too). */
async function dryRunSender(settings: Settings, f: SendFlags, defaultCountry: string | undefined, sandbox: boolean | undefined) {
  // --sandbox with no sender configured sends from the sandbox's number: it is asked (locally), as the real send does.
  const sender = await plannedSender(settings, { from: f.from, messagingServiceSid: f.messagingService, defaultCountry, sandbox });
  return { ...(sender.from ? { from: sender.from } : {}), ...(sender.messagingServiceSid ? { messagingServiceSid: sender.messagingServiceSid } : {}) };
}

/** A sender the user did not choose is named (on stderr, so --json output stays the same), once something went out from it. */
function noteSandboxSender(out: Output, session: MessagingSession): void {
  if (session.sandboxSender) out.info(`No sender configured: sending from the sandbox's number ${session.sandboxSender} (choose another with --from).`);
}

async function sendBatchCommand(ctx: CommandContext, f: SendFlags, toArg: string | undefined, bodyArg: string | undefined): Promise<number> {
  // Loaded here, not at the top: a one-message send does not pay for the CSV parser and the batch code.
  const [{ defaultConcurrency, loadBatch, sendBatch }, { dryRunBatch }, { checkBatchIdName }] = await Promise.all([import('../../messaging/send-batch.js'), import('./send-dry-run.js'), import('../../messaging/batch.js')]);
  const settings = await loadSettings(ctx.global);
  const defaultCountry = f.defaultCountry ?? settings.resolution.config.sms.defaultCountry;
  // `send --to-file numbers.txt "body"`: the body is the one positional argument.
  const bodyArgument = bodyArg ?? toArg;
  if (f.toFile === '-' && bodyArgument === '-' && !f.bodyFile) throw new UserError('--to-file - and the body - both read standard input: only one of them can.', { code: 'usage', hint: 'Give the body as text or with --body-file, or the numbers with --to-file numbers.txt.' });
  const body = f.toFile ? await readBody(bodyArgument, f) : undefined;
  const batchName = f.batchId === undefined ? undefined : checkBatchIdName(f.batchId);
  const batch = await loadBatch({ batch: f.batch, toFile: f.toFile, body, batchId: batchName }, readAllStdinBytes, defaultCountry);
  const { rows, invalid } = batch;
  if (f.dryRun) return dryRunBatch(ctx.out, settings, batch, { from: f.from, messagingServiceSid: f.messagingService, defaultCountry, rate: parseRate(f.rate), sandbox: ctx.global.sandbox });
  const session = await openMessagingSession(settings, { sandbox: ctx.global.sandbox, rate: parseRate(f.rate), from: f.from, messagingServiceSid: f.messagingService, defaultCountry });
  let senderNoted = false;
  try {
    if (process.stdin.isTTY && !f.yes && !ctx.out.json && rows.length > 1) {
      const price = rows.reduce((sum, r) => sum + planMessage(r.body, r.media, session.policy.chunking, session.policy.prices).estimatedPrice, 0);
      if (!(await confirm(`Send ${rows.length} messages (estimated $${price.toFixed(2)})?`))) {
        throw new UserError('Nothing was sent.', { code: 'not_confirmed', hint: 'Answer y, or pass --yes.' });
      }
    }
    const concurrency = f.concurrency ? Number(f.concurrency) : defaultConcurrency(session.rateFor(session.sender));
    const progress = createProgress(rows.length + invalid.length);
    let sent = 0;
    let failed = 0;
    const stop = new AbortController();
    // SIGTERM and Ctrl-Break (a PowerShell job, a service manager) stop it the way Ctrl-C does: the
    // requests in flight settle, rows still waiting for a rate slot are not sent, the summary and the
    // failed-rows file are written, and it exits 130.
    const onStop = () => {
      if (stop.signal.aborted) process.exit(ExitCode.interrupted);
      stop.abort();
      progress.above(() => ctx.out.info('Stopping: no new rows, and rows waiting for their turn are not sent; waiting for the messages in flight (Ctrl-C again to quit at once)...'));
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onStop);
    let s: BatchSummary;
    try {
      s = await sendBatch(session, batch, {
        concurrency,
        statusCallback: f.statusCallback,
        signal: stop.signal,
        onOutcome: (o) => {
          if (o.ok) sent++;
          else failed++;
          // Named once something was sent (or held) from it, not before a run that sends nothing.
          if (o.ok && !senderNoted) {
            senderNoted = true;
            progress.above(() => noteSandboxSender(ctx.out, session));
          }
          progress.above(() => emitOutcome(ctx.out, o));
          progress.update(sent, failed);
        },
      });
    } finally {
      for (const signal of STOP_SIGNALS) process.off(signal, onStop);
    }
    progress.finish();
    if (ctx.out.json) ctx.out.line({ summary: s });
    else {
      ctx.out.stderr.write(`${s.sentNow} sent${s.deduplicated ? `, ${s.deduplicated} already sent before and not sent again${s.byOtherRun ? ` (${s.byOtherRun} of them by another run)` : ''}` : ''}, ${s.failed} failed, ${s.pendingApproval} held for approval${s.notStarted ? `, ${s.notStarted} not started` : ''} in ${s.elapsedSeconds}s (${s.ratePerSecond}/s)${failedFileNote(s)}\n`);
    }
    if (s.storeUnavailable) {
      if (!ctx.out.json) ctx.out.stderr.write(`Stopped: ${safeForTerminal(s.storeUnavailable.message)}\n  hint: run the same batch again once the store answers: rows already sent are skipped, the one in flight is checked against Twilio.\n`);
      return ExitCode.network;
    }
    if (s.interrupted) return ExitCode.interrupted;
    return s.failed ? ExitCode.partial : 0;
  } finally {
    await session.close({ forExit: ctx.exitsWhenDone });
  }
}

/** Where the rows to run again went, or why they went nowhere. */
function failedFileNote(s: BatchSummary): string {
  if (s.failedFile) return `\nFailed rows: ${safeForTerminal(s.failedFile)} (fix and re-run it with --batch)`;
  if (s.failedFileError) return `\n${safeForTerminal(s.failedFileError.message)}\n  hint: ${safeForTerminal(s.failedFileError.hint)}`;
  return '';
}

function emitOutcome(out: Output, o: RowOutcome): void {
  if (out.json) out.line(o);
  else if (!o.ok) out.stderr.write(`row ${o.row} ${safeForTerminal(o.to, { max: 40 })}: failed: ${safeForTerminal(o.error!.message)}${o.error!.hint ? `\n  hint: ${safeForTerminal(o.error!.hint)}` : ''}\n`);
  else if (o.approvalId) out.stdout.write(`row ${o.row} ${o.to}: held for approval ${o.approvalId}\n`);
  else for (const r of o.results!) out.stdout.write(`row ${o.row} ${describeResult(r)}\n`);
}
