// 10,000 messages through a Messaging Service allowed 100 messages/s, with the sandbox answering 5%
// of requests 429: achieved rate (target >= 97% of the allowed rate), duplicates and lost rows (target 0).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, isolatedBenchEnv, printRow, REPO } from './lib.mjs';

const ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 10_000);
const RATE = 100;

export async function run() {
  const { startSandbox } = await import(path.join(REPO, 'dist/sandbox/server.js'));
  const { parseFaults } = await import(path.join(REPO, 'dist/sandbox/faults.js'));
  const sb = await startSandbox({ port: 0, rates: { service: RATE }, deliveryDelayMs: 10, faults: parseFaults('429:5%') });
  const account = sb.describe();
  const { home, env } = isolatedBenchEnv('oct-bench-batch-', { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl });
  const file = path.join(home, 'batch.csv');
  writeFileSync(file, ['to,body', ...Array.from({ length: ROWS }, (_, i) => `+1555300${String(i).padStart(4, '0')},bench row ${i}`)].join('\n'));
  try {
    const started = performance.now();
    const { code, stdout } = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'send', '--sandbox', '--batch', file, '--messaging-service', account.messagingServiceSid, '--rate', String(RATE), '--json'], { env, cwd: home, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out }));
    });
    const seconds = (performance.now() - started) / 1000;
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    const summary = lines.at(-1).summary;
    const okRows = new Set(lines.filter((l) => l.row && l.ok).map((l) => l.row));
    // What the sandbox accepted, straight from its Messages list.
    const auth = 'Basic ' + Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64');
    const bodies = new Map();
    let uri = `/2010-04-01/Accounts/${account.accountSid}/Messages.json?PageSize=1000`;
    while (uri) {
      const res = await fetch(`${sb.baseUrl}${uri}`, { headers: { authorization: auth } });
      if (res.status === 429) continue; // the injected faults apply to this check too
      const page = await res.json();
      for (const m of page.messages) bodies.set(m.body, (bodies.get(m.body) ?? 0) + 1);
      uri = page.next_page_uri;
    }
    const duplicates = [...bodies.values()].filter((n) => n > 1).length;
    const lost = ROWS - okRows.size;
    const achieved = summary.ratePerSecond;
    printRow(`batch: ${ROWS} via Messaging Service, 5% 429`, {
      exit: code,
      achieved_per_s: achieved,
      of_allowed_pct: (achieved / RATE) * 100,
      wall_s: seconds,
      sent: summary.sent,
      accepted_by_sandbox: bodies.size,
      duplicates,
      lost,
    }, '>= 97% of 100/s, 0 duplicates, 0 lost');
  } finally {
    await sb.close();
  }
}
