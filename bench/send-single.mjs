// A single `openclaw telephony send` against the sandbox, process start to exit: median wall time and
// peak memory over 10 runs (each with a fresh body, so each really sends), beside bare `node -e 0`
// measured in the same run, and their ratio. Target (#14): <= 1.8x bare node, with the idempotency
// lease in place. On a busy machine compare the ratio, not the milliseconds.
import path from 'node:path';
import { BIN, isolatedBenchEnv, measureProcess, median, printRow, REPO } from './lib.mjs';

export async function run() {
  const { startSandbox } = await import(path.join(REPO, 'dist/sandbox/server.js'));
  const sb = await startSandbox({ port: 0, rates: { longcode: 1000 }, deliveryDelayMs: 10 });
  // The sender's rate is shared by every process on the store (rate_slots), so ten sends in a row from a
  // long code (1/s) would measure the rate limit, not start-up: the bench's sender is allowed 1,000/s.
  // Credentials: --sandbox reads the sandbox's own account from its control API (no OS credential store).
  const { env } = isolatedBenchEnv('oct-bench-send-', { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber, OPENCLAW_TELEPHONY_SMS_RATE: '1000' });
  try {
    // The first run creates and migrates the SQLite store and writes the send bundle's code cache
    // (src/cli/cached-bundle.ts); neither is what a user waits for each time.
    await measureProcess([BIN, 'send', '--sandbox', '+15550005678', 'warm-up'], { runs: 1, env });
    // Interleaved, one run of each at a time, so a machine whose load changes weighs on both alike.
    const bare = { wall: [] };
    const send = { wall: [], rss: [] };
    for (let i = 0; i < 10; i++) {
      const b = await measureProcess(['-e', '0'], { runs: 1, env });
      bare.wall.push(b.medianMs);
      const s = await measureProcess([BIN, 'send', '--sandbox', '+15550005678', `bench ${Date.now()} ${i}`], { runs: 1, env });
      send.wall.push(s.medianMs);
      send.rss.push(s.medianPeakMiB);
    }
    const r = { medianMs: median(send.wall), medianPeakMiB: median(send.rss), runs: send.wall.length };
    const bareMs = median(bare.wall);
    printRow('send: one message, start to exit', { median_ms: r.medianMs, peak_MiB: r.medianPeakMiB, runs: r.runs }, '<= 250 ms');
    printRow('send: bare `node -e 0`, same run', { median_ms: bareMs, runs: bare.wall.length });
    printRow('send: ratio to bare node', { ratio: r.medianMs / bareMs }, '<= 1.8');
  } finally {
    await sb.close();
  }
}
