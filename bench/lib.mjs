// Shared helpers for the benchmarks: timing whole processes, and their peak memory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(REPO, 'bin/openclaw.js');

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

/** Runs `node <args>` `runs` times: median wall ms (plain runs) and median peak MiB (measured runs). */
export function measureProcess(args, { runs = 15, env = process.env, input } = {}) {
  const wall = [];
  const rss = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-bench-'));
  try {
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      const res = spawnSync(process.execPath, args, { env, input, encoding: 'utf8' });
      wall.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (res.status !== 0) throw new Error(`node ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
      const file = path.join(dir, `rss-${i}`);
      spawnSync(process.execPath, ['--import', RSS_PRELOAD, ...args], { env: { ...env, BENCH_RSS_FILE: file }, input });
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
