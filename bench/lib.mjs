// Shared helpers for the benchmarks: timing whole processes, and their peak memory.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '../scripts/postgres-server.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(REPO, 'bin/openclaw-telephony.js');

/** An environment with a home of its own, so a bench never touches the user's config or store. */
export function isolatedBenchEnv(prefix, extra = {}) {
  const home = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { home, env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_DATA_HOME: path.join(home, 'data'), ...extra } };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

// Reports the child's peak resident memory (maxRSS) into a file when it exits.
const RSS_PRELOAD = 'data:text/javascript,' + encodeURIComponent(
  "import{writeFileSync}from'node:fs';process.on('exit',()=>writeFileSync(process.env.BENCH_RSS_FILE,String(process.resourceUsage().maxRSS)))",
);

/** Runs a child to its end (asynchronously, so a server in this process can answer it). */
function runChild(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** Runs `node <args>` `runs` times: median wall ms (plain runs) and median peak MiB (measured runs). */
export async function measureProcess(args, { runs = 15, env = process.env, argsFor = () => args } = {}) {
  const wall = [];
  const rss = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-bench-'));
  try {
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      const res = await runChild(argsFor(2 * i), env);
      wall.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (res.code !== 0) throw new Error(`node ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
      const file = path.join(dir, `rss-${i}`);
      await runChild(['--import', RSS_PRELOAD, ...argsFor(2 * i + 1)], { ...env, BENCH_RSS_FILE: file });
      rss.push(Number(readFileSync(file, 'utf8')) / 1024);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { medianMs: median(wall), medianPeakMiB: median(rss), runs };
}

export function printRow(name, figures, target) {
  const cells = Object.entries(figures).map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toFixed(1)) : v}`);
  console.log(`${name.padEnd(34)} ${cells.join('  ')}${target ? `  (target ${target})` : ''}`);
}

/** Where the benchmarks that compare stores find a PostgreSQL server when none can be started here. */
export const PG_URL_HINT = 'set OPENCLAW_TELEPHONY_BENCH_PG_URL=postgres://user@host:port/db to use a server';

/**
 * The PostgreSQL server of the benchmarks that compare stores: OPENCLAW_TELEPHONY_BENCH_PG_URL (or
 * BENCH_PG_URL, its earlier name) when set, else a throwaway one started here as `npm test` does
 * (scripts/postgres-server.mjs); undefined when PostgreSQL is not installed. stop() ends what was started.
 */
export async function benchPostgres() {
  const url = process.env.OPENCLAW_TELEPHONY_BENCH_PG_URL || process.env.BENCH_PG_URL;
  return url ? { url, stop() {} } : await startPostgres();
}

/** A new, empty database on the server at `url`. */
export async function freshDatabase(url) {
  const name = `oct_bench_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return fresh.toString();
}
