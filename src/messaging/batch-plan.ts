/**
 * The dry run of a batch: every row checked and priced as `runBatch` would send it (number, chunks,
 * segments, opt-out, approval, an idempotency key already used), plus how long the senders' rates
 * make it take. Reads the store, never writes it, and never touches Twilio.
 */
import { hasMessaged } from '../store/message-log.js';
import type { Store } from '../store/open-store.js';
import { optOutReason, optOutSource } from '../store/optouts.js';
import type { BatchRow } from './batch.js';
import { earlierUseOf } from './batch-plan-earlier.js';
import type { Encoding } from './segments.js';
import { planMessage } from './plan.js';
import type { Sender } from './rate-limiter.js';
import type { TextPolicy } from './send-text.js';

/** What a real run would do with a row. */
export type RowVerdict = 'would-send' | 'already-sent' | 'opted-out' | 'needs-approval' | 'no-sender' | 'refused';

export interface RowPlan {
  row: number;
  to: string;
  from?: string;
  messagingServiceSid?: string;
  verdict: RowVerdict;
  reason?: string;
  messages: number;
  segments: number;
  encoding: Encoding;
  estimatedPrice: number;
  warnings: string[];
}

export interface BatchPlanTotals {
  rows: number;
  wouldSend: number;
  alreadySent: number;
  optedOut: number;
  needsApproval: number;
  noSender: number;
  /** Refused by the key's earlier use: begun in another split and unfinished, or the key stands for another text. */
  refused: number;
  messages: number;
  segments: number;
  estimatedPrice: number;
  /** At the senders' rates, the senders working in parallel. */
  estimatedSeconds: number;
}

export interface BatchPlanDeps {
  store: Store;
  policy: TextPolicy;
  /** The sender a row without its own `from` uses. */
  defaultSender: Sender;
  rateFor(sender: Sender): number;
}

async function verdictOf(row: BatchRow, sender: Sender, parts: string[], deps: BatchPlanDeps): Promise<{ verdict: RowVerdict; reason?: string }> {
  if (!sender.from && !sender.messagingServiceSid) return { verdict: 'no-sender', reason: 'neither a from number nor a Messaging Service is configured' };
  const optedOut = await optOutSource(deps.store, row.to);
  if (optedOut) return { verdict: 'opted-out', reason: optOutReason(row.to, optedOut) };
  // A re-run: the row's key was used before (sent, perhaps split otherwise, or begun in another split), as the real run's claim would find it.
  const earlier = await earlierUseOf(deps.store, row, sender, parts);
  if (earlier) return earlier;
  const { approval } = deps.policy;
  if (approval === 'always') return { verdict: 'needs-approval', reason: 'outbound.approval is "always"' };
  if (approval === 'first-contact' && !(await hasMessaged(deps.store, row.to))) return { verdict: 'needs-approval', reason: `first contact with ${row.to}` };
  return { verdict: 'would-send' };
}

export async function planBatch(rows: BatchRow[], deps: BatchPlanDeps): Promise<{ rows: RowPlan[]; totals: BatchPlanTotals }> {
  const plans: RowPlan[] = [];
  const messagesPerSender = new Map<string, { sender: Sender; messages: number }>();
  for (const row of rows) {
    const sender = row.from ? { from: row.from } : deps.defaultSender;
    const plan = planMessage(row.body, row.media, deps.policy.chunking, deps.policy.prices);
    const { verdict, reason } = await verdictOf(row, sender, plan.chunks.map((c) => c.text), deps);
    plans.push({ row: row.row, to: row.to, ...sender, verdict, ...(reason ? { reason } : {}), messages: plan.chunks.length, segments: plan.segments, encoding: plan.encoding, estimatedPrice: plan.estimatedPrice, warnings: plan.warnings });
    if (verdict !== 'would-send') continue;
    const id = sender.messagingServiceSid ?? sender.from ?? '';
    const entry = messagesPerSender.get(id) ?? { sender, messages: 0 };
    entry.messages += plan.chunks.length;
    messagesPerSender.set(id, entry);
  }
  const sending = plans.filter((p) => p.verdict === 'would-send');
  const count = (v: RowVerdict) => plans.filter((p) => p.verdict === v).length;
  const seconds = Math.max(0, ...[...messagesPerSender.values()].map((e) => e.messages / deps.rateFor(e.sender)));
  return {
    rows: plans,
    totals: {
      rows: plans.length,
      wouldSend: sending.length,
      alreadySent: count('already-sent'),
      optedOut: count('opted-out'),
      needsApproval: count('needs-approval'),
      noSender: count('no-sender'),
      refused: count('refused'),
      messages: sending.reduce((n, p) => n + p.messages, 0),
      segments: sending.reduce((n, p) => n + p.segments, 0),
      estimatedPrice: Math.round(sending.reduce((n, p) => n + p.estimatedPrice, 0) * 100000) / 100000,
      estimatedSeconds: Math.round(seconds * 10) / 10,
    },
  };
}
