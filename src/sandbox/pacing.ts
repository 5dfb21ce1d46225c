/**
 * Per-sender pacing, like Twilio's queue: each sender (a number, or a Messaging Service across its
 * pool) sends at its own rate; bursts wait in its queue. Late timers catch up so the average rate holds.
 */
export interface SenderQueue<T> {
  push(item: T): void;
  readonly length: number;
}

export interface Pacer<T> {
  queueFor(sender: string, ratePerSecond: number): SenderQueue<T>;
  /** Items waiting across all senders. */
  pending(): number;
  stop(): void;
}

export function createPacer<T>(dispatch: (item: T) => void): Pacer<T> {
  const queues = new Map<string, { items: T[]; rate: number; nextAt: number; timer?: NodeJS.Timeout }>();
  let stopped = false;

  const run = (q: { items: T[]; rate: number; nextAt: number; timer?: NodeJS.Timeout }) => {
    q.timer = undefined;
    const now = Date.now();
    while (q.items.length && q.nextAt <= now && !stopped) {
      dispatch(q.items.shift()!);
      q.nextAt += 1000 / q.rate;
    }
    if (q.items.length && !stopped) q.timer = setTimeout(() => run(q), Math.max(0, q.nextAt - Date.now()));
  };

  return {
    queueFor(sender, rate) {
      let q = queues.get(sender);
      if (!q) queues.set(sender, (q = { items: [], rate, nextAt: 0 }));
      q.rate = rate;
      const queue = q;
      return {
        push(item) {
          queue.items.push(item);
          if (!queue.timer) {
            // Never dispatch inside push: the create answer must say `queued`, as Twilio's does.
            queue.nextAt = Math.max(queue.nextAt, Date.now());
            queue.timer = setTimeout(() => run(queue), Math.max(0, queue.nextAt - Date.now()));
          }
        },
        get length() {
          return queue.items.length;
        },
      };
    },
    pending: () => [...queues.values()].reduce((n, q) => n + q.items.length, 0),
    stop() {
      stopped = true;
      for (const q of queues.values()) if (q.timer) clearTimeout(q.timer);
    },
  };
}
