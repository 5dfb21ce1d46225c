/**
 * The rows a batch run has still to do: the rows not started yet, in their order, then the rows put
 * off because another run held their key, in the order they were put off, each with when to look
 * again. Put-off rows wait for the new ones: by then the other runs have mostly settled them, so each
 * costs one more claim, and looking at them sooner would cost claims that find them still held.
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
}

/** How often the holders of put-off rows are checked (a signal-0 per holder, no store access). */
const HOLDER_CHECK_EVERY_MS = 100;

export function createRowQueue<R>(rows: readonly R[], ownerIsGone: (owner: string) => boolean = () => false): RowQueue<R> {
  let nextNew = 0;
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
      return rows.length - nextNew + putOff.length + orphans.length;
    },
    next(now) {
      adoptOrphans(now);
      if (orphans.length) return orphans.shift();
      if (nextNew < rows.length) return { r: rows[nextNew++], notBefore: 0, deferredSince: 0 };
      return putOff.shift();
    },
    putOff(item, notBefore, now, heldBy) {
      putOff.push({ r: item.r, notBefore, deferredSince: item.deferredSince || now, ...(heldBy !== undefined ? { heldBy } : {}) });
    },
    putBack(item) {
      orphans.unshift({ ...item, notBefore: 0 });
    },
  };
}
