/**
 * Milliseconds on a clock that never jumps (wall-clock changes do not move it), for deadlines that
 * must hold within one process. process.hrtime, not the global `performance`: that loads perf_hooks,
 * which a one-message `send` does without.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}
