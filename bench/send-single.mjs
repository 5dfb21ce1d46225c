// A single `openclaw telephony send` against the sandbox, process start to exit: median wall time and
// peak memory over 10 runs (each with a fresh body, so each really sends). Target: <= 250 ms.
import path from 'node:path';
import { BIN, isolatedBenchEnv, measureProcess, printRow, REPO } from './lib.mjs';

export async function run() {
  const { startSandbox } = await import(path.join(REPO, 'dist/sandbox/server.js'));
  const sb = await startSandbox({ port: 0, rates: { longcode: 1000 }, deliveryDelayMs: 10 });
  // The sender's rate is shared by every process on the store (rate_slots), so ten sends in a row from a
  // long code (1/s) would measure the rate limit, not start-up: the bench's sender is allowed 1,000/s.
  const { env } = isolatedBenchEnv('oct-bench-send-', { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber, OPENCLAW_TELEPHONY_SMS_RATE: '1000' });
  try {
    // The first run creates and migrates the SQLite store; it is not what a user waits for each time.
    await measureProcess([BIN, 'send', '--sandbox', '+15550005678', 'warm-up'], { runs: 1, env });
    const args = [BIN, 'send', '--sandbox', '+15550005678', 'bench'];
    const r = await measureProcess(args, { runs: 10, env, argsFor: (i) => [...args.slice(0, -1), `bench ${Date.now()} ${i}`] });
    printRow('send: one message, start to exit', { median_ms: r.medianMs, peak_MiB: r.medianPeakMiB, runs: r.runs }, '<= 250 ms');
  } finally {
    await sb.close();
  }
}
