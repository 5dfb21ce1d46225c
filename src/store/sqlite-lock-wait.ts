/**
 * Runs one SQLite statement of the fixed-statement path (store.run, store.readOne) without blocking
 * the event loop while another process holds the write lock. SQLite's own busy handler waits by
 * sleeping the thread (1, 2, 5, 10... ms at a time), and everything else the process does waits with
 * it. Measured here with three `send --batch` processes on one store: each process's event loop was
 * blocked ~470 times in 30 s (2.3 s in all, up to 117 ms at once), and a request the sender's rate
 * window had just admitted waited with it, then reached Twilio next to later ones (the busiest second
 * at the sandbox went over the rate). So the statement is tried without waiting; while the lock is
 * held elsewhere it is tried again from a timer, up to the same busy timeout, and the event loop
 * (requests already admitted, other rows, `serve`'s webhooks) goes on meanwhile. A statement that
 * answers busy has done nothing (it runs in a transaction of its own), so trying it again is safe.
 */
import type { SqliteStatement } from './sqlite-driver.js';

const FIRST_RETRY_MS = 1;
const LONGEST_RETRY_MS = 8;

const isBusy = (err: unknown) => String((err as { code?: string }).code ?? '').startsWith('SQLITE_BUSY');

export function createLockWait(prepare: (sql: string) => SqliteStatement, busyTimeoutMs: number) {
  /** `work` once, with SQLite's busy handler off: a busy answer is thrown at once. */
  const tryOnce = <T>(work: () => T): T => {
    prepare('PRAGMA busy_timeout = 0').run();
    try {
      return work();
    } finally {
      prepare(`PRAGMA busy_timeout = ${busyTimeoutMs}`).run();
    }
  };

  return async function whenUnlocked<T>(work: () => T): Promise<T> {
    const deadline = Date.now() + busyTimeoutMs;
    for (let waitMs = FIRST_RETRY_MS; ; waitMs = Math.min(LONGEST_RETRY_MS, waitMs * 2)) {
      try {
        return tryOnce(work);
      } catch (err) {
        // Past the busy timeout the statement fails busy, as it would have after SQLite's own wait.
        if (!isBusy(err) || Date.now() + waitMs > deadline) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  };
}
