/**
 * The rows a batch run has still to do: the rows not started yet, then the rows put off because
 * another run held their key, in the order they were put off, each with when to look again. Put-off
 * rows wait for the new ones: by then the other runs have mostly settled them, so each costs one more
 * claim, and looking at them sooner would cost claims that find them still held.
 *
 * New rows go in their order, unless another run of the same batch is met on them (a new row held):
 * then this run leaves the rest of its current stretch to that run and jumps to the middle of it,
 * coming back to the part it left once the rest is done. Runs that start together so split the batch
 * instead of walking it side by side, where each would meet most rows held by another (one claim),
 * and again settled (one more): on PostgreSQL every such look is a few round trips. A run alone never
 * meets another, so it goes in the file's order.
 *
 * Except a row whose holder is known dead (a run killed with kill -9 on this machine: `ownerIsGone`,
 * a local check that asks the store nothing): it comes next, before the new rows, so its reconcile
 * (which can take seconds of looking in Twilio's list) happens while the batch is still going, not
 * after its last row, where every second of it was a second added to the batch.
 */
export interface QueuedRow<R> {
  r: R;
  /** When to look at it again (epoch ms); 0 for a row not started. */
  notBefore: number;
  /** When it was first put off (epoch ms); 0 for a row never put off. */
  deferredSince: number;
  /** Who held it when it was put off (an owner id), if anyone. */
  heldBy?: string;
  /** Its place among the rows, for a new row. */
  index?: number;
}

export interface RowQueue<R> {
  /** How many rows are left, put off or not. */
  readonly size: number;
  /** The next row: one whose holder died, else the next new one, else the first put off (wait for its time). */
  next(now: number): QueuedRow<R> | undefined;
  /** Another run (`heldBy`) holds the row: look again at `notBefore`, once the new rows are done. */
  putOff(item: QueuedRow<R>, notBefore: number, now: number, heldBy?: string): void;
  /** The row was not done (a stop): it stays left, first in line. */
  putBack(item: QueuedRow<R>): void;
  /** A new row turned out held by another run: leave it the rest of this stretch (see above). */
  metAnotherRun(item: QueuedRow<R>): void;
}

/** How often the holders of put-off rows are checked (a signal-0 per holder, no store access). */
const HOLDER_CHECK_EVERY_MS = 100;
/** A stretch shorter than this is not split: the other run is about to finish it anyway. */
const SHORTEST_SPLIT = 64;

export function createRowQueue<R>(rows: readonly R[], ownerIsGone: (owner: string) => boolean = () => false): RowQueue<R> {
  // Stretches of new rows, [from, to) each, the current one first.
  const stretches: [number, number][] = rows.length ? [[0, rows.length]] : [];
  const newLeft = () => stretches.reduce((n, [from, to]) => n + to - from, 0);
  const putOff: QueuedRow<R>[] = [];
  const orphans: QueuedRow<R>[] = [];
  let checkedAt = -Infinity;
  // The rows of holders that died move ahead of everything else.
  const adoptOrphans = (now: number) => {
    if (now - checkedAt < HOLDER_CHECK_EVERY_MS || !putOff.length) return;
    checkedAt = now;
    const gone = new Map<string, boolean>();
    const isGone = (owner: string) => gone.get(owner) ?? (gone.set(owner, ownerIsGone(owner)), gone.get(owner)!);
    for (let i = putOff.length - 1; i >= 0; i--) {
      const holder = putOff[i].heldBy;
      if (holder !== undefined && isGone(holder)) orphans.unshift({ ...putOff.splice(i, 1)[0], notBefore: 0, heldBy: undefined });
    }
  };
  return {
    get size() {
      return newLeft() + putOff.length + orphans.length;
    },
    next(now) {
      adoptOrphans(now);
      if (orphans.length) return orphans.shift();
      const current = stretches[0];
      if (current) {
        const index = current[0]++;
        if (current[0] >= current[1]) stretches.shift();
        return { r: rows[index], notBefore: 0, deferredSince: 0, index };
      }
      return putOff.shift();
    },
    putOff(item, notBefore, now, heldBy) {
      putOff.push({ r: item.r, notBefore, deferredSince: item.deferredSince || now, ...(heldBy !== undefined ? { heldBy } : {}) });
    },
    putBack(item) {
      orphans.unshift({ ...item, notBefore: 0 });
    },
    metAnotherRun(item) {
      const current = stretches[0];
      // Only a meeting in the current stretch's reach splits it: others come from a part already left behind.
      if (!current || item.index === undefined || item.index + SHORTEST_SPLIT < current[0]) return;
      const [from, to] = current;
      if (to - from < SHORTEST_SPLIT) return;
      const middle = from + Math.floor((to - from) / 2);
      stretches[0] = [middle, to];
      stretches.push([from, middle]);
    },
  };
}
