import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConcurrency, loadBatch, parseNumberList } from '../../src/messaging/send-batch.js';

describe('batch input', () => {
  it('--to-file takes one number a line, skipping blanks and # comments', () => {
    expect(parseNumberList('+15550000001\r\n\n  # team\n +15550000002 \n', 'hi')).toEqual([
      { to: '+15550000001', body: 'hi' },
      { to: '+15550000002', body: 'hi' },
    ]);
  });

  it('loads a --to-file list into keyed rows and keeps unreadable numbers aside', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'batch-'));
    const file = path.join(dir, 'numbers.txt');
    writeFileSync(file, '+15550000001\nnot a number\n');
    const batch = await loadBatch({ toFile: file, body: 'hello' }, async () => Buffer.alloc(0), 'US');
    expect(batch.source).toBe(file);
    expect(batch.rows).toMatchObject([{ row: 1, to: '+15550000001', body: 'hello' }]);
    expect(batch.rows[0].key).toMatch(/^batch:/);
    expect(batch.invalid).toMatchObject([{ row: 2 }]);
  });

  it('reads --batch - from standard input as NDJSON', async () => {
    const batch = await loadBatch({ batch: '-' }, async () => Buffer.from('{"to":"+15550000001","body":"a"}\n'), undefined);
    expect(batch.rows).toMatchObject([{ to: '+15550000001', body: 'a' }]);
  });

  it('sizes the worker pool to the sender rate, within 2..32', () => {
    expect(defaultConcurrency(1)).toBe(3);
    expect(defaultConcurrency(100)).toBe(15);
    expect(defaultConcurrency(10000)).toBe(32);
  });
});
