/**
 * A one-line progress bar on a terminal's stderr (done / failed / remaining, rate and time left) that
 * redraws in place, with result lines printed above it through `print`. Off a terminal there is no bar
 * and `print` writes plain lines.
 */
export interface Progress {
  update(done: number, failed: number): void;
  /** Runs `write`, which prints whole lines (on stdout or stderr), above the bar. */
  above(write: () => void): void;
  finish(): void;
}

const CLEAR_LINE = '\r\u001b[K';

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, above: (write) => write(), finish() {} };
  const started = performance.now();
  let last = 0;
  let line = '';
  const render = (done: number, failed: number) => {
    const elapsed = (performance.now() - started) / 1000;
    const finished = done + failed;
    const rate = elapsed > 0 ? finished / elapsed : 0;
    const left = total - finished;
    const eta = rate > 0 ? Math.round(left / rate) : 0;
    const width = 24;
    const filled = Math.round((finished / Math.max(1, total)) * width);
    line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] sent ${done}  failed ${failed}  remaining ${left}  ${rate.toFixed(1)}/s  ${Math.floor(eta / 60)}:${String(eta % 60).padStart(2, '0')} left`;
    stream.write(`${CLEAR_LINE}${line}`);
  };
  return {
    update(done, failed) {
      // Redraw at most ten times a second: a terminal is slower than a fast batch.
      const now = performance.now();
      if (now - last < 100 && done + failed < total) return;
      last = now;
      render(done, failed);
    },
    above(write) {
      // Take the bar off its line, print the rows where it was, and put the bar back below them.
      if (line) stream.write(CLEAR_LINE);
      write();
      if (line) stream.write(line);
    },
    finish() {
      if (line) stream.write('\n');
    },
  };
}
