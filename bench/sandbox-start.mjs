// Start-up of `openclaw telephony sandbox`: process start until it prints its account line. Target: < 1 s.
import { spawn } from 'node:child_process';
import { BIN, median, printRow } from './lib.mjs';

function startOnce() {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.once('data', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      child.once('exit', () => resolve(ms));
      child.kill('SIGTERM');
    });
    child.once('error', reject);
  });
}

export async function run() {
  const times = [];
  for (let i = 0; i < 10; i++) times.push(await startOnce());
  printRow('sandbox: start to first line', { median_ms: median(times), max_ms: Math.max(...times), runs: times.length }, '< 1000 ms');
}
