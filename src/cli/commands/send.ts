/** `send`: one message, a dry run, or a batch (CSV, NDJSON, or a list of numbers). */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import { parseBatch, readBatchFile, type RowOutcome, runBatch, toRows } from '../../messaging/batch.js';
import type { SendResult } from '../../messaging/deliver.js';
import { toE164 } from '../../messaging/phone.js';
import { planMessage } from '../../messaging/plan.js';
import { openMessagingSession } from '../../messaging/session.js';
import { sendText } from '../../messaging/send-text.js';
import type { CommandContext } from '../context.js';
import type { Output } from '../output.js';
import { createProgress } from '../progress.js';
import { confirm, readAllStdin } from '../prompt.js';
import { loadSettings } from '../settings.js';

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
  concurrency?: string;
}

export function describeResult(r: SendResult): string {
  const part = r.chunks ? ` [${r.chunk}/${r.chunks}]` : '';
  return `${r.sid} ${r.status} -> ${r.to}${part} (${r.segments} segment${r.segments === 1 ? '' : 's'}, ${r.encoding})${r.deduplicated ? ' already sent: deduplicated' : ''}`;
}

function parseRate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate <= 0) throw new UserError(`--rate ${text} is not a rate`, { code: 'invalid_rate', hint: 'Give messages per second, e.g. --rate 10.' });
  return rate;
}

async function readBody(bodyArg: string | undefined, f: SendFlags): Promise<string> {
  if (f.bodyFile) {
    try {
      return readFileSync(f.bodyFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new UserError(`Cannot read --body-file ${f.bodyFile}: ${(err as NodeJS.ErrnoException).code}`, { code: 'body_file', hint: 'Check the path.' });
    }
  }
  if (bodyArg === '-') return (await readAllStdin()).replace(/\r?\n$/, '');
  return bodyArg ?? '';
}

export async function send(ctx: CommandContext, toArg?: string, bodyArg?: string): Promise<number> {
  const f = ctx.opts as SendFlags;
  if (f.batch || f.toFile) return sendBatch(ctx, f, toArg, bodyArg);
  if (!toArg) throw new UserError('No recipient given.', { code: 'usage', hint: 'openclaw telephony send +15550005678 "Hello"' });
  const settings = await loadSettings(ctx.global);
  const sms = settings.resolution.config.sms;
  const defaultCountry = f.defaultCountry ?? sms.defaultCountry;
  const to = toE164(toArg, defaultCountry, 'To number');
  const body = await readBody(bodyArg, f);
  const media = f.media ?? [];

  if (f.dryRun) {
    if (f.from) toE164(f.from, defaultCountry, 'From number');
    const plan = planMessage(body, media, { mode: sms.chunkMode, maxLength: sms.maxLength, numbering: sms.segmentNumbering }, sms);
    for (const w of plan.warnings) ctx.out.warn(w);
    ctx.out.result({ to, segments: plan.segments, encoding: plan.encoding, chunks: plan.chunks, estimatedPrice: plan.estimatedPrice, warnings: plan.warnings }, () =>
      [
        ...plan.chunks.map((c, i) => `chunk ${i + 1}/${plan.chunks.length}: ${c.characters} characters, ${c.segments} segment(s), ${c.encoding}\n  ${c.text.replace(/\n/g, '\n  ')}`),
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
    if (outcome.kind === 'pending-approval') {
      const data = { status: 'pending-approval', approvalId: outcome.approvalId, idempotencyKey: outcome.idempotencyKey, to, reason: outcome.reason };
      ctx.out.result(data, () => `Held for approval (${outcome.reason}): ${outcome.approvalId}. Approve with \`openclaw telephony approvals approve ${outcome.approvalId}\`.`);
      return 0;
    }
    if (ctx.out.json) {
      if (outcome.results.length === 1) ctx.out.result(outcome.results[0], () => '');
      else for (const r of outcome.results) ctx.out.line(r);
    } else ctx.out.result(null, () => outcome.results.map(describeResult).join('\n'));
    return 0;
  } finally {
    await session.close();
  }
}

async function sendBatch(ctx: CommandContext, f: SendFlags, toArg: string | undefined, bodyArg: string | undefined): Promise<number> {
  const settings = await loadSettings(ctx.global);
  const defaultCountry = f.defaultCountry ?? settings.resolution.config.sms.defaultCountry;
  let records: Record<string, unknown>[];
  let source: string;
  let id: string;
  if (f.toFile) {
    // `send --to-file numbers.txt "body"`: the body is the one positional argument.
    const body = await readBody(bodyArg ?? toArg, f);
    const file = readBatchFile(f.toFile);
    source = f.toFile;
    id = file.id;
    records = file.text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((to) => ({ to, body }));
  } else {
    const file = readBatchFile(f.batch!, f.batch === '-' ? await readAllStdin() : undefined);
    source = f.batch!;
    id = file.id;
    records = parseBatch(file.text, file.format, source);
  }
  const { rows, invalid } = toRows(records, id, defaultCountry);
  const session = await openMessagingSession(settings, { sandbox: ctx.global.sandbox, rate: parseRate(f.rate), from: f.from, messagingServiceSid: f.messagingService, defaultCountry });
  try {
    if (process.stdin.isTTY && !f.yes && !ctx.out.json && rows.length > 1) {
      const price = rows.reduce((sum, r) => sum + planMessage(r.body, r.media, session.policy.chunking, session.policy.prices).estimatedPrice, 0);
      if (!(await confirm(`Send ${rows.length} messages (estimated $${price.toFixed(2)})?`))) {
        throw new UserError('Nothing was sent.', { code: 'not_confirmed', hint: 'Answer y, or pass --yes.' });
      }
    }
    const rate = session.rateFor(session.sender);
    const concurrency = f.concurrency ? Number(f.concurrency) : Math.min(32, Math.max(2, Math.ceil(rate / 8) + 2));
    const progress = createProgress(rows.length + invalid.length);
    let sent = 0;
    let failed = invalid.length;
    let stopping = false;
    const onSigint = () => {
      if (stopping) process.exit(ExitCode.interrupted);
      stopping = true;
      ctx.out.info('\nStopping: no new rows; waiting for the messages in flight (Ctrl-C again to quit at once)...');
    };
    process.on('SIGINT', onSigint);
    const started = performance.now();
    for (const bad of invalid) emitOutcome(ctx.out, { row: bad.row, to: String(bad.raw.to ?? ''), key: '', ok: false, error: { code: 'invalid_row', message: bad.error } });
    const { outcomes, stopped } = await runBatch(session, rows, {
      concurrency,
      statusCallback: f.statusCallback,
      shouldStop: () => stopping,
      onOutcome: (o) => {
        if (o.ok) sent++;
        else failed++;
        emitOutcome(ctx.out, o);
        progress.update(sent, failed);
      },
    });
    process.off('SIGINT', onSigint);
    progress.finish();
    const elapsed = (performance.now() - started) / 1000;
    const failedRows = [...invalid.map((b) => ({ row: b.row, to: String(b.raw.to ?? ''), body: String(b.raw.body ?? ''), media: '', key: '', from: '', error: b.error })), ...outcomes.filter((o) => !o.ok).map((o) => failedRowOf(o, rows))];
    const failedFile = failedRows.length ? writeFailedRows(source, failedRows) : null;
    const messages = outcomes.flatMap((o) => o.results ?? []);
    const summary = {
      summary: {
        rows: rows.length + invalid.length,
        sent: outcomes.filter((o) => o.ok && o.results).length,
        deduplicated: outcomes.filter((o) => o.results?.every((r) => r.deduplicated)).length,
        pendingApproval: outcomes.filter((o) => o.approvalId).length,
        failed: failedRows.length,
        notStarted: rows.length - outcomes.length,
        messages: messages.length,
        segments: messages.reduce((n, r) => n + r.segments, 0),
        elapsedSeconds: Math.round(elapsed * 1000) / 1000,
        ratePerSecond: Math.round((outcomes.length / Math.max(elapsed, 0.001)) * 100) / 100,
        failedFile,
        interrupted: stopped,
      },
    };
    if (ctx.out.json) ctx.out.line(summary);
    else {
      const s = summary.summary;
      ctx.out.stderr.write(`${s.sent} sent (${s.deduplicated} already sent before), ${s.failed} failed, ${s.pendingApproval} held for approval${s.notStarted ? `, ${s.notStarted} not started` : ''} in ${s.elapsedSeconds}s (${s.ratePerSecond}/s)${failedFile ? `\nFailed rows: ${failedFile} (fix and re-run it with --batch)` : ''}\n`);
    }
    if (stopped) return ExitCode.interrupted;
    return failedRows.length ? ExitCode.partial : 0;
  } finally {
    await session.close();
  }
}

function emitOutcome(out: Output, o: RowOutcome): void {
  if (out.json) out.line(o);
  else if (!o.ok) out.stderr.write(`row ${o.row} ${o.to}: failed: ${o.error!.message}\n`);
  else if (o.approvalId) out.stdout.write(`row ${o.row} ${o.to}: held for approval ${o.approvalId}\n`);
  else for (const r of o.results!) out.stdout.write(`row ${o.row} ${describeResult(r)}\n`);
}

function failedRowOf(o: RowOutcome, rows: { row: number; body: string; media: string[]; from?: string }[]) {
  const r = rows.find((x) => x.row === o.row)!;
  return { row: o.row, to: o.to, body: r.body, media: r.media.join(' '), key: o.key, from: r.from ?? '', error: o.error?.message ?? '' };
}

const csvCell = (v: string | number) => (/[",\n\r]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

/** Failed rows as a CSV that `send --batch` takes again (same keys, so nothing that went out is resent). */
function writeFailedRows(source: string, rows: Record<string, string | number>[]): string {
  const base = source === '-' ? 'batch' : path.parse(source).name;
  const file = path.resolve(`${base}.failed-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`);
  const header = ['to', 'body', 'media', 'key', 'from', 'row', 'error'];
  writeFileSync(file, [header.join(','), ...rows.map((r) => header.map((h) => csvCell(r[h] ?? '')).join(','))].join('\n') + '\n');
  return file;
}
