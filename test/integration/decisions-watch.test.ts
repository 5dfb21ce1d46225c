/**
 * The dashboard's feed of decisions made elsewhere (review A7): a decision that becomes visible after
 * a later one (its transaction committed late, or it was stamped by a slower clock) is still shown,
 * and each decision is shown once. Real SQLite file and the test PostgreSQL server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchDecisions } from '../../src/server/decisions-watch.js';
import type { Emit } from '../../src/server/events.js';
import { decideApproval, getApproval, requestApproval } from '../../src/store/approvals.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { NOW_MS, statement, statementPair } from '../../src/store/statement.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const STAMP = statement(`UPDATE approvals SET status = 'rejected', decided_at = ? WHERE id = ?`);
const DB_NOW = statementPair(`SELECT ${NOW_MS.sqlite} AS now_ms`, `SELECT ${NOW_MS.postgres} AS now_ms`);

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`decisions feed on ${kind.name}`, () => {
    let store: Store;
    let other: Store;
    let stop: () => void;
    const shown: string[] = [];
    let seq = 0;
    beforeAll(async () => {
      const url = await kind.url();
      [store, other] = [await openStore(url), await openStore(url)];
      const emit = ((type: string, fields: { id: string }) => void (type === 'decision' && shown.push(fields.id))) as Emit;
      stop = watchDecisions(store, emit, 20);
    });
    afterAll(async () => {
      stop();
      await Promise.all([store.close(), other.close()]);
    });

    const held = async () => (await requestApproval(other, { key: `k-${++seq}`, kind: 'sms', request: { to: `+1555009${String(seq).padStart(4, '0')}` }, reason: 'test' })).id;
    const decidedAt = async (id: string) => Date.parse((await getApproval(other, id))!.decided_at!);
    const dbNow = async () => Number((await other.readOne<{ now_ms: number | string }>(DB_NOW, []))!.now_ms);

    it('shows a decision stamped before one already shown, and every decision once', async () => {
      // A first decision once the watch is looking (decisions from before it started are history).
      let first = '';
      await expect
        .poll(async () => {
          if (first === '' || !shown.includes(first)) {
            first = await held();
            await decideApproval(other, first, 'approved');
          }
          return shown.includes(first);
        })
        .toBe(true);
      const firstAt = await decidedAt(first);
      await expect.poll(dbNow).toBeGreaterThan(firstAt + 20);
      const later = await held();
      await decideApproval(other, later, 'rejected');
      await expect.poll(() => shown.includes(later)).toBe(true);
      // Stamped between the two shown ones but visible only now, as a late commit leaves it.
      const late = await held();
      await other.run(STAMP, [new Date(firstAt + 1).toISOString(), late]);
      await expect.poll(() => shown.includes(late)).toBe(true);
      const last = await held();
      await decideApproval(other, last, 'approved');
      await expect.poll(() => shown.includes(last)).toBe(true);
      for (const id of [first, later, late, last]) expect(shown.filter((x) => x === id)).toHaveLength(1);
    });
  });
}
