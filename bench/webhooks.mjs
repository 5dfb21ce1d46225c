// Signed inbound-SMS webhooks through verification, dedup, policy and the echo agent (`serve`), driven
// over loopback: requests/s at saturation, and p50/p99 latency at 1,000 requests/s; side by side with
// Express + twilio.webhook(). Targets for serve: >= 3,000 requests/s, p99 <= 20 ms at 1,000/s.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { Pool } from 'undici';
import { BIN, isolatedBenchEnv, median, percentile, printRow, REPO } from './lib.mjs';

const ACCOUNT = 'AC' + '5e'.repeat(16);
const TOKEN = '7c'.repeat(16);
const PUBLIC = 'https://bench.example.com';
const SATURATION_SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 3);

function sign(url, params) {
  let data = url;
  for (const k of Object.keys(params).sort()) data += k + params[k];
  return createHmac('sha1', TOKEN).update(data).digest('base64');
}

/** Pre-signed, distinct inbound texts: each is a new message, so nothing is answered from the dedup table. */
export function makeRequests(n, offset) {
  return Array.from({ length: n }, (_, i) => {
    const sid = 'SM' + (offset + i).toString(16).padStart(32, '0');
    const params = { AccountSid: ACCOUNT, MessageSid: sid, SmsSid: sid, From: `+1555${String((offset + i) % 10_000_000).padStart(7, '0')}`, To: '+15550002222', Body: 'bench hello', NumMedia: '0' };
    return { body: new URLSearchParams(params).toString(), signature: sign(`${PUBLIC}/telephony/webhook`, params), token: `bench-${offset + i}` };
  });
}

export function startChild(args, env) {
  return new Promise((resolve, reject) => {
    // The server's per-message log lines are not what is measured: they go nowhere here.
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.once('data', (d) => resolve({ child, url: JSON.parse(String(d).split('\n')[0]).url }));
    child.once('exit', (code) => reject(new Error(`exited ${code} before it was ready`)));
  });
}

async function fire(pool, r) {
  const started = performance.now();
  const res = await pool.request({
    path: '/telephony/webhook',
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': r.signature, 'i-twilio-idempotency-token': r.token },
    body: r.body,
  });
  await res.body.text();
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  return performance.now() - started;
}

/** Closed loop: `connections` requests always in flight, for `seconds`. */
export async function saturation(url, requests, connections, seconds) {
  const pool = new Pool(url, { connections, pipelining: 1 });
  let next = 0;
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until && next < requests.length) {
      await fire(pool, requests[next++]);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return done / elapsed;
}

/** Open loop: one request every 1/rate s regardless of answers, for `seconds`; latency of each. */
async function fixedRate(url, requests, rate, seconds) {
  const pool = new Pool(url, { connections: 64, pipelining: 1 });
  const latencies = [];
  const inFlight = [];
  const started = performance.now();
  const total = Math.min(requests.length, rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(fire(pool, requests[i]).then((ms) => latencies.push(ms)));
  }
  await Promise.all(inFlight);
  await pool.close();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length };
}

/** CPU time (user + system) the server process has used so far, in ms, from /proc where there is one. */
function cpuMs(pid) {
  const fields = readFileSafe(`/proc/${pid}/stat`).split(') ')[1]?.split(' ');
  return fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 : NaN;
}

/** A memory figure of a process from /proc/<pid>/status (VmHWM: peak resident, VmRSS: resident now), in MiB. */
export function memoryMiB(pid, field = 'VmHWM') {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSafe(`/proc/${pid}/status`));
  return m ? Number(m[1]) / 1024 : NaN;
}

function readFileSafe(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** One round on one server: saturation (with the server's CPU use), then latency at 1,000 requests/s. */
async function round(server, offset) {
  const requests = makeRequests(60_000, offset);
  const cpuBefore = cpuMs(server.child.pid);
  const startedAt = performance.now();
  const rps = await saturation(server.url, requests, Number(process.env.BENCH_WEBHOOK_CONNECTIONS ?? 32), SATURATION_SECONDS);
  // Server CPU per request and its share of one core: shows whether the server or the load generator was the limit.
  const cpuUsed = cpuMs(server.child.pid) - cpuBefore;
  const elapsedMs = performance.now() - startedAt;
  const at1k = await fixedRate(server.url, makeRequests(5_000, offset + 60_000), 1000, 5);
  return { saturation_rps: rps, server_cpu_us_per_req: (cpuUsed * 1000) / (rps * (elapsedMs / 1000)), server_core_share: cpuUsed / elapsedMs, p50_ms_at_1k: at1k.p50, p99_ms_at_1k: at1k.p99 };
}

const medianOf = (rounds) => Object.fromEntries(Object.keys(rounds[0]).map((k) => [k, median(rounds.map((r) => r[k]))]));

/** `serve` as the webhook benches run it: open policy, echo agent, SQLite in a home of its own. */
export function startServe(extraEnv = {}, nodeArgs = []) {
  const { env } = isolatedBenchEnv('oct-bench-hooks-', {
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: TOKEN,
    OPENCLAW_TELEPHONY_PUBLIC_URL: PUBLIC,
    OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open',
    OPENCLAW_TELEPHONY_ALLOW_FROM: '*',
    // Thousands of texts a second from distinct senders: the total limit (300 a minute) would refuse
    // nearly all of them and measure the refusal path, and past 50,000 senders in a minute the
    // per-sender limit lumps new ones together. With the total off and a 1 s window every text is
    // handled in full while the per-sender limit still tracks each sender, so its cost is in the figures.
    OPENCLAW_TELEPHONY_SERVE_INBOUND_LIMITS_TOTAL: '0',
    OPENCLAW_TELEPHONY_SERVE_INBOUND_LIMITS_WINDOW_SECONDS: '1',
    OPENCLAW_TELEPHONY_AGENT_KIND: 'echo',
    OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9',
    ...extraEnv,
  });
  return startChild([...nodeArgs, BIN, 'serve', '--port', '0', '--json', '--quiet'], env);
}

export async function run() {
  const servers = [
    { name: 'webhooks: serve (verify+dedup+policy+echo, SQLite)', target: '>= 3000 rps, p99 <= 20 ms', ...(await startServe({}, process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE] : [])) },
    { name: 'webhooks: Express + twilio.webhook()', ...(await startChild([path.join(REPO, 'bench/express-baseline.cjs'), '0', TOKEN, PUBLIC], process.env)) },
  ];
  try {
    // Warm up (JIT, connections, SQLite pages), then alternate the servers round by round so a noisy
    // stretch of this shared machine hits both alike; the medians of the rounds are printed.
    for (const server of servers) await saturation(server.url, makeRequests(500, 0), 16, 1);
    const results = servers.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, server] of servers.entries()) results[i].push(await round(server, 1_000 + r * 100_000));
    }
    for (const [i, server] of servers.entries()) {
      const rps = results[i].map((x) => x.saturation_rps);
      printRow(server.name, { ...medianOf(results[i]), rps_range: `${Math.round(Math.min(...rps))}-${Math.round(Math.max(...rps))}`, server_peak_MiB: memoryMiB(server.child.pid), rounds: ROUNDS }, server.target);
    }
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
  }
}
