/**
 * What makes two runs one batch: the file's real path, or a name given with --batch-id (a file and a
 * pipe of it, a copy: one batch only when named so); each row is keyed by its content and which copy
 * of an identical row it is, so a row inserted before a rerun sends that row alone.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { earlierBatchId, earlierRowKey } from '../../src/messaging/batch-earlier-keys.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { BIN, isolatedEnv, telephony, type CliResult } from '../helpers/cli.js';
import { duplicates, sentMessages } from '../helpers/sent.js';

let sb: Sandbox;
let from: string;
beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
  from = sb.describe().numbers[0].phoneNumber;
});
afterAll(() => sb.close());

function home() {
  const { env, cwd } = isolatedEnv();
  Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: from, OPENCLAW_TELEPHONY_STORE_URL: path.join(cwd, 'store.sqlite') });
  return { env, cwd };
}

const csv = (rows: [string, string][]) => ['to,body', ...rows.map(([to, body]) => `${to},${body}`)].join('\n') + '\n';
const summary = (r: CliResult) => JSON.parse(r.stdout.trim().split('\n').at(-1)!).summary;
const sentWith = async (tag: string) => (await sentMessages(sb)).filter((m) => m.body.includes(tag));

/** `send --batch -` with the text on standard input, as `Get-Content rows.csv | openclaw-telephony send --batch -` does. */
function pipeBatch(text: string, extra: string[], { env, cwd }: ReturnType<typeof home>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'send', '--sandbox', '--batch', '-', '--json', '--yes', '--rate', '50', ...extra], { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(text);
  });
}

describe('batch identity', () => {
  it('a file and a pipe of it, run at once under one --batch-id, send each row once', async () => {
    const h = home();
    const rows = Array.from({ length: 40 }, (_, i): [string, string] => [`+1555041${String(i).padStart(4, '0')}`, `twin-id row ${i}`]);
    const file = path.join(h.cwd, 'twin.csv');
    writeFileSync(file, csv(rows));
    const id = ['--batch-id', 'twins-2026-11-30'];
    const [a, b] = await Promise.all([telephony(['send', '--sandbox', '--batch', file, '--json', '--yes', '--rate', '50', ...id], h), pipeBatch(readFileSync(file, 'utf8'), id, h)]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    const sent = await sentWith('twin-id row');
    expect(sent).toHaveLength(40);
    expect(duplicates(sent)).toEqual([]);
    expect(summary(a).sentNow + summary(b).sentNow).toBe(40);
    // A copy under the same name is the same batch too.
    const copy = path.join(h.cwd, 'copy of twin.csv');
    copyFileSync(file, copy);
    const again = await telephony(['send', '--sandbox', '--batch', copy, '--json', '--yes', '--rate', '50', ...id], h);
    expect(summary(again)).toMatchObject({ sentNow: 0, deduplicated: 40, ratePerSecond: 0 });
    expect(await sentWith('twin-id row')).toHaveLength(40);
  }, 120_000);

  it('a row inserted before a rerun is the only one sent; identical rows each send once; a copy without a name is another batch', async () => {
    const h = home();
    const file = path.join(h.cwd, 'weekly.csv');
    const rows: [string, string][] = [
      ['+15550420001', 'insert-test one'],
      ['+15550420002', 'insert-test two'],
      ['+15550420002', 'insert-test two'],
      ['+15550420003', 'insert-test three'],
    ];
    writeFileSync(file, csv(rows));
    const first = await telephony(['send', '--sandbox', '--batch', file, '--json', '--yes', '--rate', '50'], h);
    expect(first.code, first.stderr).toBe(0);
    expect(summary(first)).toMatchObject({ sentNow: 4 });
    // A new row at the top and a third copy of an identical row at the end: every other row keeps its key.
    writeFileSync(file, csv([['+15550420009', 'insert-test new'], ...rows, ['+15550420002', 'insert-test two']]));
    const rerun = await telephony(['send', '--sandbox', '--batch', file, '--json', '--yes', '--rate', '50'], h);
    expect(summary(rerun)).toMatchObject({ sentNow: 2, deduplicated: 4 });
    // The rate counts the two rows this run sent, not the four found sent already.
    // Both figures are rounded (the time to the millisecond, of a run of a few tens of ms): compared within 10%, where 6 rows would be 3x.
    const twoRowsRate = 2 / summary(rerun).elapsedSeconds;
    expect(Math.abs(summary(rerun).ratePerSecond - twoRowsRate) / twoRowsRate).toBeLessThan(0.1);
    const sent = await sentWith('insert-test');
    expect(sent.map((m) => `${m.to} ${m.body}`).sort()).toEqual([
      '+15550420001 insert-test one',
      '+15550420002 insert-test two',
      '+15550420002 insert-test two',
      '+15550420002 insert-test two',
      '+15550420003 insert-test three',
      '+15550420009 insert-test new',
    ]);
    // The same file run again (next week, say) skips what it sent, as the README promises.
    expect(summary(await telephony(['send', '--sandbox', '--batch', file, '--json', '--yes', '--rate', '50'], h))).toMatchObject({ sentNow: 0, deduplicated: 6 });
    // A copy is another file, so another batch unless --batch-id says otherwise.
    const copy = path.join(h.cwd, 'weekly-copy.csv');
    copyFileSync(file, copy);
    expect(summary(await telephony(['send', '--sandbox', '--batch', copy, '--json', '--yes', '--rate', '50'], h))).toMatchObject({ sentNow: 6 });
  }, 120_000);

  it('a rerun after upgrading keeps the keys an earlier version gave (file path and line number): nothing it sent goes again', async () => {
    const h = home();
    const file = path.join(h.cwd, 'upgrade.csv');
    const rows: [string, string][] = [['+15550430001', 'upgrade one'], ['+15550430002', 'upgrade two']];
    writeFileSync(file, csv(rows));
    // What the earlier version did for line 2: its key, sent.
    const earlier = earlierRowKey(earlierBatchId(file, ''), 2, { to: rows[1][0], body: rows[1][1], media: [] });
    expect((await telephony(['send', '--sandbox', rows[1][0], rows[1][1], '--idempotency-key', earlier, '--json'], h)).code).toBe(0);
    const rerun = await telephony(['send', '--sandbox', '--batch', file, '--json', '--yes', '--rate', '50'], h);
    expect(summary(rerun)).toMatchObject({ sentNow: 1, deduplicated: 1 });
    expect((await sentWith('upgrade two'))).toHaveLength(1);
  });

  it('refuses --batch-id without a batch, and a name with spaces', async () => {
    const h = home();
    const single = await telephony(['send', '--sandbox', '+15550420100', 'hi', '--batch-id', 'x'], h);
    expect(single.code).toBe(2);
    expect(single.stderr).toContain('--batch-id names a batch');
    writeFileSync(path.join(h.cwd, 'one.csv'), csv([['+15550420101', 'bad id']]));
    const spaced = await telephony(['send', '--sandbox', '--batch', 'one.csv', '--batch-id', 'two words', '--yes'], h);
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toContain('--batch-id takes a name');
    expect(await sentWith('bad id')).toHaveLength(0);
  });
});
