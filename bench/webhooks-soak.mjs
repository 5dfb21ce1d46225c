// `serve` runs for weeks: 100,000 signed webhooks (BENCH_SOAK_REQUESTS) through one server whose V8 heap
// is capped at 48 MiB, so a leak would show as growing memory or a crash. Prints resident memory after
// the first tenth and at the end, the peak, and the rate. Target: it stays up and memory stays flat.
import { printRow } from './lib.mjs';
import { makeRequests, memoryMiB, saturation, startServe } from './webhooks.mjs';

const TOTAL = Number(process.env.BENCH_SOAK_REQUESTS ?? 100_000);
const CHUNK = 10_000;

export async function run() {
  const { child, url } = await startServe({ NODE_OPTIONS: '--max-old-space-size=48' });
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    const started = performance.now();
    let afterFirstChunk = NaN;
    // Requests are made a chunk at a time so the load generator's own memory stays small.
    for (let sent = 0; sent < TOTAL && !exited; sent += CHUNK) {
      await saturation(url, makeRequests(Math.min(CHUNK, TOTAL - sent), 1_000_000 + sent), 32, Infinity);
      if (sent === 0) afterFirstChunk = memoryMiB(child.pid, 'VmRSS');
    }
    const seconds = (performance.now() - started) / 1000;
    const end = exited ? NaN : memoryMiB(child.pid, 'VmRSS');
    printRow('webhooks: soak, heap capped 48 MiB', { requests: TOTAL, stayed_up: !exited, rss_after_10k_MiB: afterFirstChunk, rss_end_MiB: end, peak_MiB: exited ? NaN : memoryMiB(child.pid), rps: TOTAL / seconds }, 'stays up, flat memory');
  } finally {
    child.kill('SIGTERM');
  }
}
