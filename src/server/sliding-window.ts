/**
 * A counter over a sliding window, per key: the previous window's count weighted by how much of it
 * the sliding window still covers, plus the current window's. Two maps swapped when a window ends,
 * so a check is two lookups, forgetting old keys costs nothing, and memory holds only the keys of
 * the last two windows (at most `maxKeys` new ones per window: more share one overflow key, which
 * limits them together rather than not at all).
 */
export interface SlidingWindow {
  /** The limit per key; 0 means no limit. */
  readonly max: number;
  readonly windowMs: number;
  /** Whether one more for `key` stays within the limit (nothing is counted). */
  allows(key?: string): boolean;
  /** Counts one for `key`. */
  count(key?: string): void;
  /** The weighted count for `key` now. */
  level(key?: string): number;
  /** The weighted counts of every key seen in the last two windows. */
  levels(): number[];
  /** When the current window started (epoch ms): changes when a window ends. */
  windowStart(): number;
  /** Seconds until the current window ends, at least 1: a Retry-After. */
  secondsLeft(): number;
}

const OVERFLOW = '\u0000overflow';

export function createSlidingWindow(max: number, windowMs: number, opts: { now?: () => number; maxKeys?: number } = {}): SlidingWindow {
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 50_000;
  let start = now();
  let previous = new Map<string, number>();
  let current = new Map<string, number>();
  /** Moves to the window `t` falls in; two or more windows later, nothing is carried over. */
  const roll = (t: number) => {
    const elapsed = t - start;
    if (elapsed < windowMs) return;
    previous = elapsed < 2 * windowMs ? current : new Map();
    current = new Map();
    start += Math.floor(elapsed / windowMs) * windowMs;
  };
  const keyOf = (key: string) => (current.has(key) || current.size < maxKeys ? key : OVERFLOW);
  const weighted = (key: string, t: number) => (previous.get(key) ?? 0) * Math.max(0, 1 - (t - start) / windowMs) + (current.get(key) ?? 0);
  const level = (key: string) => {
    const t = now();
    roll(t);
    return weighted(keyOf(key), t);
  };
  return {
    max,
    windowMs,
    allows: (key = '') => max === 0 || level(key) + 1 <= max,
    count(key = '') {
      roll(now());
      const k = keyOf(key);
      current.set(k, (current.get(k) ?? 0) + 1);
    },
    level: (key = '') => level(key),
    levels() {
      const t = now();
      roll(t);
      return [...new Set([...previous.keys(), ...current.keys()])].map((k) => weighted(k, t));
    },
    windowStart() {
      roll(now());
      return start;
    },
    secondsLeft() {
      const t = now();
      roll(t);
      return Math.max(1, Math.ceil((start + windowMs - t) / 1000));
    },
  };
}
