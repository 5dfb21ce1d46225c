/**
 * `send --batch|--to-file --dry-run`: checks and prices every row and sends nothing. It opens the
 * store (opt-outs, approvals, keys already used) but no REST client, so no path can reach Twilio.
 */
import { ExitCode } from '../../errors.js';
import type { BatchInput } from '../../messaging/batch.js';
import { keepEarlierKeys } from '../../messaging/batch-earlier-keys.js';
import { planBatch, type RowPlan } from '../../messaging/batch-plan.js';
import { senderRate } from '../../messaging/rate-limiter.js';
import { plannedSender } from '../../messaging/session.js';
import { textPolicyFrom } from '../../messaging/send-text.js';
import { openStore } from '../../store/open-store.js';
import type { Output } from '../output.js';
import type { Settings } from '../../config/settings.js';
import { safeForTerminal } from '../../text/terminal-safe.js';

export interface DryRunOptions {
  from?: string;
  messagingServiceSid?: string;
  defaultCountry?: string;
  rate?: number;
  /** --sandbox: with no sender configured, the real run sends from the sandbox's number, so this run plans with it. */
  sandbox?: boolean;
}

const VERDICT_TEXT: Record<RowPlan['verdict'], string> = {
  'would-send': 'would send',
  'already-sent': 'already sent (a re-run answers from the store)',
  'opted-out': 'would fail: opted out',
  'needs-approval': 'would be held for approval',
  'no-sender': 'would fail: no sender',
  refused: 'would fail: refused',
};

function describeRow(p: RowPlan): string {
  const cost = `${p.messages} message${p.messages === 1 ? '' : 's'}, ${p.segments} segment${p.segments === 1 ? '' : 's'}, ${p.encoding}, $${p.estimatedPrice.toFixed(4)}`;
  return `row ${p.row} ${p.to}: ${VERDICT_TEXT[p.verdict]}${p.reason ? ` (${p.reason})` : ''} [${cost}]`;
}

/** Prints the plan of every row and the totals; the exit code is the one the real run would have. */
export async function dryRunBatch(out: Output, settings: Settings, input: BatchInput, opts: DryRunOptions): Promise<number> {
  const { config } = settings.resolution;
  const { fromSandbox, ...defaultSender } = await plannedSender(settings, opts);
  if (fromSandbox) out.info(`No sender configured: would send from the sandbox's number ${defaultSender.from} (choose another with --from).`);
  const store = await openStore(config.store.url);
  try {
    await keepEarlierKeys(store, input.rows);
    const plan = await planBatch(input.rows, { store, policy: textPolicyFrom(config), defaultSender, rateFor: (s) => senderRate(config.sms, s, opts.rate) });
    for (const bad of input.invalid) {
      if (out.json) out.line({ row: bad.row, to: bad.to, verdict: 'invalid', reason: bad.error });
      // The error may quote the row's cells: outside text, shown terminal-safe like every batch row.
      else out.stderr.write(`row ${bad.row}: invalid: ${safeForTerminal(bad.error, { max: 300 })}\n`);
    }
    for (const p of plan.rows) {
      if (out.json) out.line(p);
      else out.stdout.write(`${safeForTerminal(describeRow(p), { max: 500 })}\n`);
      for (const w of p.warnings) if (!out.json) out.warn(`row ${p.row}: ${w}`);
    }
    const totals = { ...plan.totals, rows: plan.totals.rows + input.invalid.length, invalid: input.invalid.length, sent: 0 };
    if (out.json) out.line({ dryRun: totals });
    else {
      out.stderr.write(
        `Dry run, nothing was sent: ${totals.wouldSend} of ${totals.rows} rows would send ${totals.messages} message(s), ${totals.segments} segment(s), estimated $${totals.estimatedPrice.toFixed(4)}, about ${totals.estimatedSeconds}s at the senders' rates` +
          `; ${totals.alreadySent} already sent, ${totals.needsApproval} held for approval, ${totals.optedOut + totals.noSender + totals.refused + totals.invalid} would fail.\n`,
      );
    }
    return totals.optedOut + totals.noSender + totals.refused + totals.invalid > 0 ? ExitCode.partial : 0;
  } finally {
    await store.close();
  }
}
