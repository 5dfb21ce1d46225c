/**
 * Stopping a batch (Ctrl-C, SIGTERM) sends nothing more: rows waiting for their rate slot when the
 * stop comes are not sent but reported "not started", and a rerun sends each of them exactly once.
 * The old worker checked for a stop only before taking a row, so the three rows already waiting for
 * a slot still went out over the next seconds.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { openStore } from '../../src/store/open-store.js';
import { BIN, isolatedEnv, telephony } from '../helpers/cli.js';
import { duplicates, sentMessages } from '../helpers/sent.js';

let sb: Sandbox;
const { env, cwd } = isolatedEnv();
beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
  Object.assign(env, { OPENCLAW_TELEPHONY_STORE_URL: path.join(cwd, 'store.sqlite'), OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl });
});
afterAll(() => sb.close());

/** Runs the batch and sends `signal` once `rowsBeforeStop` rows have been reported sent. */
function runAndStop(args: string[], signal: NodeJS.Signals, rowsBeforeStop: number, isRowLine: (line: string) => boolean) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; sentAtSignal: number }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAtSignal = -1;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const rows = stdout.split('\n').filter(isRowLine).length;
      if (sentAtSignal < 0 && rows >= rowsBeforeStop) {
        sentAtSignal = rows;
        child.kill(signal);
      }
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr, sentAtSignal }));
  });
}

const cases = [
  { name: 'Ctrl-C (SIGINT), human output', signal: 'SIGINT' as const, json: false },
  { name: 'SIGTERM, --json', signal: 'SIGTERM' as const, json: true },
];

describe('stopping a batch', () => {
  it.each(cases)('$name: rows waiting for their slot are not sent; a rerun sends each once', async ({ signal, json }) => {
    const prefix = `stop-${signal}`;
    const file = path.join(cwd, `${prefix}.csv`);
    const numbers = Array.from({ length: 8 }, (_, i) => `+1555320${signal === 'SIGINT' ? 1 : 2}${String(i).padStart(3, '0')}`);
    writeFileSync(file, ['to,body', ...numbers.map((n, i) => `${n},${prefix} row ${i + 1}`)].join('\n'));
    // One message a second (a long code's rate) from the sandbox's number, three workers (the sandbox
    // itself does not throttle here, so the rerun is quick).
    const args = ['send', '--sandbox', '--batch', file, '--rate', '1', ...(json ? ['--json'] : [])];
    const isRowLine = json ? (l: string) => l.startsWith('{"row"') : (l: string) => /^row \d+ SM/.test(l);
    const stopped = await runAndStop(args, signal, 4, isRowLine);
    expect(stopped.code, stopped.stderr).toBe(130);
    const reported = stopped.stdout.split('\n').filter(isRowLine).length;
    const sent = (await sentMessages(sb)).filter((m) => m.body.startsWith(prefix));
    // What the run reported is what went out; at most one request was already on its way when the
    // signal arrived (the old code sent all seven rows taken by then).
    expect(sent.length).toBe(reported);
    expect(sent.length).toBeLessThanOrEqual(stopped.sentAtSignal + 1);
    if (json) {
      const summary = JSON.parse(stopped.stdout.trim().split('\n').at(-1)!).summary;
      expect(summary).toMatchObject({ interrupted: true, failed: 0, notStarted: 8 - sent.length });
    } else {
      expect(stopped.stderr).toContain('Stopping: no new rows');
      expect(stopped.stderr).toContain(`${8 - sent.length} not started`);
    }
    // The rows not sent left no claim behind: the rerun has nothing to reconcile.
    const store = await openStore(env.OPENCLAW_TELEPHONY_STORE_URL!);
    const pending = await (await store.queryBuilder()).selectFrom('idempotency_keys').select('key').where('state', '=', 'pending').execute();
    await store.close();
    expect(pending).toEqual([]);

    const rerun = await telephony(['send', '--sandbox', '--batch', file, '--rate', '50', '--json'], { env, cwd });
    expect(rerun.code, rerun.stderr).toBe(0);
    const all = (await sentMessages(sb)).filter((m) => m.body.startsWith(prefix));
    expect(all.map((m) => m.to).sort()).toEqual(numbers);
    expect(duplicates(all)).toEqual([]);
    // The summary says what this run did and what was done before it (`sent` keeps its meaning: both).
    const summary = JSON.parse(rerun.stdout.trim().split('\n').at(-1)!).summary;
    expect(summary).toMatchObject({ sentNow: 8 - sent.length, deduplicated: sent.length, sent: 8, notStarted: 0 });
    const third = await telephony(['send', '--sandbox', '--batch', file, '--rate', '50'], { env, cwd });
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toMatch(/^0 sent, 8 already sent before and not sent again, 0 failed/m);
  });
});

describe('the stop signal', () => {
  it('a batch of more than 10 workers (100/s: 15) sends without a MaxListenersExceededWarning on stderr', async () => {
    const file = path.join(cwd, 'many-workers.csv');
    writeFileSync(file, ['to,body', ...Array.from({ length: 40 }, (_, i) => `+1555330${String(i).padStart(4, '0')},many workers ${i}`)].join('\n'));
    const res = await telephony(['send', '--sandbox', '--batch', file, '--rate', '100', '--json'], { env, cwd });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('MaxListenersExceededWarning');
    expect(duplicates((await sentMessages(sb)).filter((m) => m.body.startsWith('many workers ')))).toEqual([]);
  });
});
