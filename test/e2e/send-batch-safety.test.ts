/**
 * `send --batch` under a supervisor's SIGTERM, and a failed-rows CSV that a spreadsheet opens
 * without running formulas (#16 minor items).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { addOptOut, removeOptOut } from '../../src/store/optouts.js';
import { BIN, telephony } from '../helpers/cli.js';
import { useSandboxCli } from '../helpers/sandbox-cli.js';
import { duplicates, sentMessages } from '../helpers/sent.js';

const { env, cwd, sandbox } = useSandboxCli();

const bodiesOf = async (prefix: string) => (await sentMessages(sandbox())).filter((m) => m.body.startsWith(prefix));

describe('the failed-rows CSV', () => {
  it('neutralises formula cells with a leading quote, and sending the file again sends the original text', async () => {
    const bodies = ['=HYPERLINK("http://evil.example","click")', '@SUM(1+1)', "-cmd|' /C calc'!A0", '+1+1', '\tTabbed'];
    const numbers = bodies.map((_, i) => `+1555300000${i}`);
    const store = await openStore(env.OPENCLAW_TELEPHONY_STORE_URL!);
    for (const n of numbers) await addOptOut(store, n, 'test');
    const file = path.join(cwd, 'formulas.ndjson');
    writeFileSync(file, bodies.map((body, i) => JSON.stringify({ to: numbers[i], body })).join('\n'));
    const res = await telephony(['send', '--sandbox', '--batch', file, '--json'], { env, cwd });
    expect(res.code).toBe(7);
    const failedFile = JSON.parse(res.stdout.trim().split('\n').at(-1)!).summary.failedFile as string;
    const cells = parseCsv(readFileSync(failedFile, 'utf8'), { columns: true }) as Record<string, string>[];
    // As a spreadsheet reads it: no cell starts with a formula character.
    for (const row of cells) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(cells.map((r) => r.body)).toEqual(bodies.map((b) => `'${b}`));
    expect(cells.map((r) => r.to)).toEqual(numbers.map((n) => `'${n}`));

    for (const n of numbers) await removeOptOut(store, n);
    await store.close();
    const again = await telephony(['send', '--sandbox', '--batch', failedFile, '--json'], { env, cwd });
    expect(again.code).toBe(0);
    const sent = (await sentMessages(sandbox())).filter((m) => numbers.includes(m.to));
    expect(sent.map((m) => m.body).sort()).toEqual([...bodies].sort());
  });
});

describe('send --batch and SIGTERM', () => {
  it('stops like Ctrl-C: rows in flight settle, the summary and failed-rows file are written, exit 130', async () => {
    const prefix = 'sigterm-row';
    const file = path.join(cwd, 'sigterm.csv');
    // One row that fails at once (an invalid number), so the stopped run has a failed-rows file too.
    writeFileSync(file, ['to,body', 'not-a-number,bad row', ...Array.from({ length: 60 }, (_, i) => `+1555310${String(i).padStart(4, '0')},${prefix} ${i}`)].join('\n'));
    const stopped = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'send', '--sandbox', '--batch', file, '--rate', '20', '--json'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let signalled = false;
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.on('data', (d) => {
        stdout += d;
        if (!signalled && stdout.split('\n').filter((l) => l.startsWith('{"row"')).length >= 5) {
          signalled = true;
          child.kill('SIGTERM');
        }
      });
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(stopped.code).toBe(130);
    const summary = JSON.parse(stopped.stdout.trim().split('\n').at(-1)!).summary;
    expect(summary).toMatchObject({ interrupted: true, failed: 1 });
    expect(summary.notStarted).toBeGreaterThan(0);
    expect(readFileSync(summary.failedFile, 'utf8')).toContain('not-a-number');
    expect((await bodiesOf(prefix)).length).toBe(summary.sent);
    expect(duplicates(await bodiesOf(prefix))).toEqual([]);
  });
});
