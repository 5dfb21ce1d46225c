// Several `send --batch` processes on one sender sharing one store, through 5% 429s and 1% dropped answers:
// 1. one batch run three times at once, one run killed with kill -9 midway and restarted, against the
//    same batch run alone: total time (target within 10% of the single run), duplicates (target 0);
// 2. three different batches at once on one sender allowed 100/s: aggregate rate as % of allowed
//    (target 97-100%, never above: the busiest second too), duplicates (target 0).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, isolatedBenchEnv, printRow, REPO } from './lib.mjs';

const ROWS = Number(process.env.BENCH_CONCURRENT_ROWS ?? 1000);
const RATE = 100;

/** A batch run; resolves with each sent row's arrival time. `killAfterRows`: SIGKILL after that many rows. */
function runBatch(file, env, cwd, killAfterRows = Infinity) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'send', '--sandbox', '--batch', file, '--rate', String(RATE), '--json'], { env, cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    const sentAt = [];
    let rows = 0;
    let buffered = '';
    child.stdout.on('data', (d) => {
      const lines = (buffered + d).split('\n');
      buffered = lines.pop();
      for (const line of lines.filter((l) => l.startsWith('{"row"'))) {
        rows++;
        const outcome = JSON.parse(line);
        if (outcome.ok && outcome.results?.some((r) => !r.deduplicated)) sentAt.push(performance.now());
      }
      if (rows >= killAfterRows && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, sentAt, summary: buffered.startsWith('{"summary"') ? JSON.parse(buffered).summary : undefined }));
  });
}

function writeBatch(dir, name, rows) {
  const file = path.join(dir, `${name}.csv`);
  writeFileSync(file, ['to,body', ...Array.from({ length: rows }, (_, i) => `+1555${String(i).padStart(7, '0')},${name} ${i}`)].join('\n'));
  return file;
}

async function acceptedBodies(sb) {
  const account = sb.describe();
  const auth = 'Basic ' + Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64');
  const bodies = new Map();
  let uri = `/2010-04-01/Accounts/${account.accountSid}/Messages.json?PageSize=1000`;
  while (uri) {
    const res = await fetch(`${sb.baseUrl}${uri}`, { headers: { authorization: auth } }).catch(() => undefined);
    if (!res || res.status !== 200) continue; // the injected faults apply to this check too
    const page = await res.json();
    for (const m of page.messages) bodies.set(m.body, (bodies.get(m.body) ?? 0) + 1);
    uri = page.next_page_uri;
  }
  return bodies;
}

const countOf = (bodies, prefix) => [...bodies].filter(([b]) => b.startsWith(`${prefix} `));

/** The most rows sent in any one second (a sliding window over the arrival times). */
function busiestSecond(times) {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

export async function run() {
  const { startSandbox } = await import(path.join(REPO, 'dist/sandbox/server.js'));
  const { parseFaults } = await import(path.join(REPO, 'dist/sandbox/faults.js'));
  const sb = await startSandbox({ port: 0, rates: { longcode: 1000 }, deliveryDelayMs: 10, faults: parseFaults('429:5%,reset:1%') });
  const { home, env } = isolatedBenchEnv('oct-bench-concurrent-', { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber });
  try {
    const alone = writeBatch(home, 'alone', ROWS);
    let started = performance.now();
    await runBatch(alone, env, home);
    const aloneS = (performance.now() - started) / 1000;

    const shared = writeBatch(home, 'shared', ROWS);
    started = performance.now();
    const restarted = runBatch(shared, env, home, Math.round(ROWS * 0.3)).then(() => runBatch(shared, env, home));
    const three = await Promise.all([runBatch(shared, env, home), runBatch(shared, env, home), restarted]);
    const threeS = (performance.now() - started) / 1000;
    let bodies = await acceptedBodies(sb);
    const sharedSent = countOf(bodies, 'shared');
    printRow(`concurrent: one ${ROWS}-row batch x3 at once, one kill -9'd and restarted`, {
      exits: three.map((r) => r.code).join('/'),
      alone_s: aloneS,
      three_runs_s: threeS,
      vs_alone_pct: (threeS / aloneS) * 100,
      accepted: sharedSent.length,
      duplicates: sharedSent.filter(([, n]) => n > 1).length,
    }, `<= 110% of one run, ${ROWS} accepted, 0 duplicates`);

    const files = ['a', 'b', 'c'].map((n) => writeBatch(home, `sender-${n}`, ROWS));
    const runs = await Promise.all(files.map((f) => runBatch(f, env, home)));
    const times = runs.flatMap((r) => r.sentAt).sort((a, b) => a - b);
    const achieved = (times.length - 1) / ((times.at(-1) - times[0]) / 1000);
    bodies = await acceptedBodies(sb);
    const senderSent = ['a', 'b', 'c'].flatMap((n) => countOf(bodies, `sender-${n}`));
    printRow(`concurrent: 3 batches on one sender allowed ${RATE}/s`, {
      exits: runs.map((r) => r.code).join('/'),
      aggregate_per_s: achieved,
      of_allowed_pct: (achieved / RATE) * 100,
      busiest_second: busiestSecond(times),
      accepted: senderSent.length,
      duplicates: senderSent.filter(([, n]) => n > 1).length,
    }, `97-100% of ${RATE}/s (busiest second <= ${RATE}), 0 duplicates`);
  } finally {
    await sb.close();
  }
}
