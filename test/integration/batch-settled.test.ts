/**
 * A batch run meeting rows already sent (a rerun, or a run restarted while other runs of the batch
 * went on) answers them from a read of many rows at once, not from a claim per row: a handful of
 * store statements for the whole batch, the same answers (SIDs, deduplicated, the audit events), and
 * a row the usual way would treat otherwise (opted out since, or its key reused for another text)
 * still goes that way. On SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchRow, type RowOutcome, runBatch, toRows } from '../../src/messaging/batch.js';
import type { MessagingSession } from '../../src/messaging/session.js';
import { addOptOut } from '../../src/store/optouts.js';
import { statement } from '../../src/store/statement.js';
import { openSandboxSession } from '../helpers/messaging-session.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { countStatements } from '../helpers/statement-count.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

let ts: TestSandbox;
beforeAll(async () => {
  ts = await startTestSandbox();
});
afterAll(async () => {
  await ts.close();
});

const run = (session: MessagingSession, rows: BatchRow[]) => runBatch(session, rows, { concurrency: 8, onOutcome: () => {} });
const sids = (outcomes: RowOutcome[]) => new Map(outcomes.map((o) => [o.row, o.results?.map((r) => r.sid).join(',')]));
const EVENTS = statement("SELECT data FROM events WHERE kind = 'twilio.sms.send' ORDER BY id");

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`a rerun of a batch already sent, on ${kind.name}`, () => {
    it('answers its rows from a few reads of many rows each, with the first run\'s SIDs and one audit event a row', async () => {
      const url = await kind.url();
      const ROWS = 250;
      const { rows } = toRows(Array.from({ length: ROWS }, (_, i) => ({ to: `+15550081${String(i).padStart(3, '0')}`, body: `settled ${kind.name} ${i}` })), `settled-${kind.name}`);
      const first = await openSandboxSession(ts, { rate: 1000 }, url);
      const sent = await run(first, rows).finally(() => first.close());
      expect(sent.outcomes.filter((o) => o.ok)).toHaveLength(ROWS);

      const rerun = await openSandboxSession(ts, { rate: 1000 }, url);
      try {
        const statements = countStatements(rerun.store);
        const again = await run(rerun, rows);
        // (Both runs are in this process, so the first counts as another run going on now.)
        expect(again.outcomes.every((o) => o.ok && o.results?.every((r) => r.deduplicated && r.sentByOtherRun === first.claims.id))).toBe(true);
        expect(sids(again.outcomes)).toEqual(sids(sent.outcomes));
        // A claim per row (the old way) is three statements a row or more; here one read per 100 rows and
        // one insert of audit events per turn of the workers.
        expect(statements.count).toBeLessThan(ROWS / 4);
        const events = (await rerun.store.readMany<{ data: string }>(EVENTS, [])).map((e) => JSON.parse(e.data) as { outcome: string; key: string; sid: string });
        const deduplicated = events.filter((e) => e.outcome === 'sent-by-other-run');
        expect(deduplicated).toHaveLength(ROWS);
        expect(new Set(deduplicated.map((e) => e.key))).toEqual(new Set(rows.map((r) => r.key)));
        expect(ts.sb.acceptedMessages().filter((m) => m.body.startsWith(`settled ${kind.name} `))).toHaveLength(ROWS);
      } finally {
        await rerun.close();
      }
    });

    it('still refuses a row whose recipient opted out since, and a key reused for another text', async () => {
      const url = await kind.url();
      const input = Array.from({ length: 5 }, (_, i) => ({ to: `+15550082${String(i).padStart(3, '0')}`, body: `refused ${kind.name} ${i}`, key: `refused-${kind.name}-${i}` }));
      const first = await openSandboxSession(ts, { rate: 1000 }, url);
      await run(first, toRows(input, 'refused').rows).finally(() => first.close());

      const rerun = await openSandboxSession(ts, { rate: 1000 }, url);
      try {
        await addOptOut(rerun.store, input[1].to, 'operator');
        // Row 3's key column now names another text: the key stands for the first one.
        const changed = input.map((r, i) => (i === 3 ? { ...r, body: `${r.body} changed` } : r));
        const again = await run(rerun, toRows(changed, 'refused').rows);
        const byRow = new Map(again.outcomes.map((o) => [o.row, o]));
        expect(byRow.get(2)?.error?.code).toBe('opted_out');
        expect(byRow.get(4)?.error?.code).toBe('idempotency_key_reused');
        for (const row of [1, 3, 5]) expect(byRow.get(row)?.results?.[0]?.deduplicated).toBe(true);
        expect(ts.sb.acceptedMessages().filter((m) => m.body.startsWith(`refused ${kind.name} `))).toHaveLength(5);
      } finally {
        await rerun.close();
      }
    });

    it('answers a row whose text this run splits otherwise with the same layoutChanged note its claim would give', async () => {
      const url = await kind.url();
      const ROWS = 20;
      const body = (i: number) => `layout ${kind.name} ${i}: the quick brown fox jumps over the lazy dog, twice over`;
      const { rows } = toRows(Array.from({ length: ROWS }, (_, i) => ({ to: `+15550083${String(i).padStart(3, '0')}`, body: body(i) })), `layout-${kind.name}`);
      const first = await openSandboxSession(ts, { rate: 1000 }, url);
      const sent = await run(first, rows).finally(() => first.close());
      expect(sent.outcomes.every((o) => o.ok && o.results?.length === 1)).toBe(true);

      const rerun = await openSandboxSession(ts, { rate: 1000 }, url);
      try {
        // Another sms.maxLength: each row now splits in 3.
        rerun.policy = { ...rerun.policy, chunking: { ...rerun.policy.chunking, maxLength: 30 } };
        const statements = countStatements(rerun.store);
        const again = await run(rerun, rows);
        for (const o of again.outcomes) expect(o.results).toEqual([expect.objectContaining({ deduplicated: true, layoutChanged: { earlierParts: 1, partsThisRun: 3 } })]);
        expect(sids(again.outcomes)).toEqual(sids(sent.outcomes));
        // Answered by the stretch read, not a claim per row.
        expect(statements.count).toBeLessThan(ROWS / 2);
        expect(ts.sb.acceptedMessages().filter((m) => m.body.startsWith(`layout ${kind.name} `))).toHaveLength(ROWS);
      } finally {
        await rerun.close();
      }
    });
  });
}
