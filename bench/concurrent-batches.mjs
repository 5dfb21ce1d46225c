// Several `send --batch` processes on one sender sharing one store, through 5% 429s and 1% dropped answers:
// 1. (BENCH_CONCURRENT_ROUNDS=0 skips it) one batch run three times at once, one run killed with kill -9 midway (when the sandbox has accepted
//    half the batch) and restarted, against the same batch run alone: total time (target within 10% of
//    the single run), duplicates (target 0). Rounds alternate the two (BENCH_CONCURRENT_ROUNDS), since
//    this machine is shared and three processes starting at once are at its mercy; medians are printed.
//    Once on SQLite, once on PostgreSQL (OPENCLAW_TELEPHONY_BENCH_PG_URL, else a throwaway server started
//    here as `npm test` does; a row says it was skipped when neither is there), the stores' rounds alternating too;
// 2. three different batches at once on one sender allowed 100/s: aggregate rate as % of allowed
//    (target 97-100%, never above: the busiest second too), duplicates (target 0); once through the
//    faults above and once against a sandbox that answers every request (the benchmark row
//    names no faults; see run() for why the two differ);
// 3. three batches at once with outbound.apiConcurrency 3 and slow answers: the most requests in flight
//    at the sandbox (target <= 3, across the processes).
// Every figure is taken from when the sandbox accepted each message (acceptedMessages(), in ms), not
// from when a result line reached this process: what the sender's rate limits is what Twilio receives.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchPostgres, BIN, freshDatabase, isolatedBenchEnv, median, PG_URL_HINT, printRow, REPO } from './lib.mjs';

const ROWS = Number(process.env.BENCH_CONCURRENT_ROWS ?? 1000);
const ROUNDS = Number(process.env.BENCH_CONCURRENT_ROUNDS ?? 3);
const RATE = 100;

let sandbox;
/** The messages the sandbox accepted whose body starts with `prefix`, with when (epoch ms). */
const acceptedWith = (prefix) => sandbox.acceptedMessages().filter((m) => m.body.startsWith(`${prefix} `));

/** A batch run. `killWhen`: looked at every 20 ms while it runs; once true, the run is killed with SIGKILL. */
function runBatch(file, env, cwd, killWhen) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'send', '--sandbox', '--batch', file, '--rate', String(RATE), '--json'], { env, cwd, stdio: ['ignore', 'ignore', 'ignore'] });
    const watch = killWhen && setInterval(() => killWhen() && child.kill('SIGKILL'), 20);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(watch);
      resolve({ code, signal });
    });
  });
}

function writeBatch(dir, name, rows) {
  const file = path.join(dir, `${name}.csv`);
  writeFileSync(file, ['to,body', ...Array.from({ length: rows }, (_, i) => `+1555${String(i).padStart(7, '0')},${name} ${i}`)].join('\n'));
  return file;
}

/** How many distinct bodies went out, and how many of them more than once. */
function countsOf(messages) {
  const byBody = new Map();
  for (const m of messages) byBody.set(m.body, (byBody.get(m.body) ?? 0) + 1);
  return { accepted: byBody.size, duplicates: [...byBody.values()].filter((n) => n > 1).length };
}

/** The most messages accepted in any one second (a sliding window over the acceptance times). */
export function busiestSecond(times) {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function timed(work) {
  const started = performance.now();
  const runs = await work();
  return { seconds: (performance.now() - started) / 1000, runs };
}

/** One round of scenario 1: the batch alone, then three runs of another copy, one killed midway and restarted. `round` names the batches. */
async function killRound(home, env, round) {
  const aloneName = `alone-${round}`;
  const alone = await timed(async () => [await runBatch(writeBatch(home, aloneName, ROWS), env, home)]);
  const sharedName = `shared-${round}`;
  const shared = writeBatch(home, sharedName, ROWS);
  const three = await timed(() => {
    const restarted = runBatch(shared, env, home, () => acceptedWith(sharedName).length >= ROWS / 2).then(() => runBatch(shared, env, home));
    return Promise.all([runBatch(shared, env, home), runBatch(shared, env, home), restarted]);
  });
  return { alone, three, aloneCounts: countsOf(acceptedWith(aloneName)), sharedCounts: countsOf(acceptedWith(sharedName)) };
}

const KILL_ROW = `one ${ROWS}-row batch x3 at once, one kill -9'd midway and restarted`;

function printKillRow(storeName, rounds) {
  const pct = rounds.map((r) => (r.three.seconds / r.alone.seconds) * 100);
  printRow(`concurrent (${storeName}): ${KILL_ROW}`, {
    exits: rounds.map((r) => r.three.runs.map((x) => x.code).join('/')).join(' '),
    alone_s: median(rounds.map((r) => r.alone.seconds)),
    three_runs_s: median(rounds.map((r) => r.three.seconds)),
    vs_alone_pct: median(pct),
    pct_range: `${Math.round(Math.min(...pct))}-${Math.round(Math.max(...pct))}`,
    accepted: Math.min(...rounds.map((r) => r.sharedCounts.accepted)),
    duplicates: rounds.reduce((n, r) => n + r.sharedCounts.duplicates + r.aloneCounts.duplicates, 0),
    rounds: ROUNDS,
  }, `<= 110% of one run, ${ROWS} accepted, 0 duplicates`);
}

export async function run() {
  const { startSandbox } = await import(path.join(REPO, 'dist/sandbox/server.js'));
  const { parseFaults } = await import(path.join(REPO, 'dist/sandbox/faults.js'));
  const sb = (sandbox = await startSandbox({ port: 0, rates: { longcode: 1000 }, deliveryDelayMs: 10, faults: parseFaults('429:5%,reset:1%') }));
  const { home, env } = isolatedBenchEnv('oct-bench-concurrent-', { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber });
  try {
    if (ROUNDS > 0) await killRows(home, env);

    await threeBatchesRow(home, env, 'through 5% 429s and 1% resets', 'faulty');
  } finally {
    await sb.close();
  }
  // The row: the sender's rate as the limiter keeps it, on an API that answers every request.
  // (Through 429s the run ends with the rows refused in its last second, each waiting out Twilio's
  // Retry-After of 1 s with nothing left to send beside it: ~1 s of tail on a 30 s run, ~3% of the
  // figure that no limiter can win back, so that row is printed as well, for comparison.)
  const clean = (sandbox = await startSandbox({ port: 0, rates: { longcode: 1000 }, deliveryDelayMs: 10 }));
  const cleanHome = isolatedBenchEnv('oct-bench-rate-', { OPENCLAW_TELEPHONY_SANDBOX_URL: clean.baseUrl, TWILIO_PHONE_NUMBER: clean.describe().numbers[0].phoneNumber });
  try {
    await threeBatchesRow(cleanHome.home, cleanHome.env, 'every request answered', 'clean');
  } finally {
    await clean.close();
  }
  await apiConcurrencyRow(startSandbox, parseFaults);
}

/** 2. three different batches at once on one sender allowed RATE/s, against the current `sandbox`. */
async function threeBatchesRow(home, env, label, name) {
  const files = ['a', 'b', 'c'].map((n) => writeBatch(home, `${name}-${n}`, ROWS));
  const runs = await Promise.all(files.map((f) => runBatch(f, env, home)));
  const sent = ['a', 'b', 'c'].flatMap((n) => acceptedWith(`${name}-${n}`));
  const times = sent.map((m) => m.atMs).sort((a, b) => a - b);
  const achieved = (times.length - 1) / ((times.at(-1) - times[0]) / 1000);
  printRow(`concurrent: 3 batches on one sender allowed ${RATE}/s, ${label}`, {
    exits: runs.map((r) => r.code).join('/'),
    aggregate_per_s: achieved,
    of_allowed_pct: (achieved / RATE) * 100,
    busiest_second: busiestSecond(times),
    ...countsOf(sent),
  }, `97-100% of ${RATE}/s (busiest second <= ${RATE}), 0 duplicates`);
}

/** Scenario 1 on SQLite (the bench's home) and on a fresh PostgreSQL database, their rounds alternating. */
async function killRows(home, env) {
  const server = await benchPostgres();
  try {
    const stores = [{ name: 'SQLite', env }];
    if (server) stores.push({ name: 'PostgreSQL', env: { ...env, OPENCLAW_TELEPHONY_STORE_URL: await freshDatabase(server.url) } });
    const rounds = stores.map(() => []);
    for (let r = 1; r <= ROUNDS; r++) {
      for (const [i, store] of stores.entries()) rounds[i].push(await killRound(home, store.env, `${store.name.toLowerCase()}-${r}`));
    }
    for (const [i, store] of stores.entries()) printKillRow(store.name, rounds[i]);
    if (!server) console.log(`concurrent (PostgreSQL): ${KILL_ROW}  skipped: PostgreSQL is not installed here (${PG_URL_HINT})`);
  } finally {
    server?.stop();
  }
}

/** 3. three batches at once with outbound.apiConcurrency 3, every answer taking 200 ms: the most requests in flight at the sandbox. */
async function apiConcurrencyRow(startSandbox, parseFaults) {
  const CAP = 3;
  const slow = await startSandbox({ port: 0, rates: { longcode: 1000 }, deliveryDelayMs: 10, faults: parseFaults('latency:200ms') });
  const { home, env } = isolatedBenchEnv('oct-bench-cap-', { OPENCLAW_TELEPHONY_SANDBOX_URL: slow.baseUrl, TWILIO_PHONE_NUMBER: slow.describe().numbers[0].phoneNumber, OPENCLAW_TELEPHONY_OUTBOUND_API_CONCURRENCY: String(CAP) });
  try {
    const files = ['x', 'y', 'z'].map((n) => writeBatch(home, `cap-${n}`, 30));
    const started = performance.now();
    const runs = await Promise.all(files.map((f) => runBatch(f, env, home)));
    const seconds = (performance.now() - started) / 1000;
    printRow(`concurrent: 3 batches, outbound.apiConcurrency ${CAP}, 200 ms answers`, {
      exits: runs.map((r) => r.code).join('/'),
      max_in_flight: slow.requestStats().maxInFlight,
      requests_per_s: 90 / seconds,
    }, `<= ${CAP} in flight at the sandbox (45 workers; at most ${CAP / 0.2}/s)`);
  } finally {
    await slow.close();
  }
}
