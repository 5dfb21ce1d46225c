/**
 * Batch files as Windows writes them (trial G4): Windows PowerShell 5.1's `>`/`Out-File` write UTF-16
 * LE with the mark FF FE, some tools UTF-16 BE (FE FF) or UTF-8 with its mark; `Set-Content` writes
 * ANSI. Marked files are sent as written; an unmarked file that is not UTF-8 is refused naming the fix.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { telephony } from '../helpers/cli.js';
import { useSandboxCli } from '../helpers/sandbox-cli.js';
import { sentMessages } from '../helpers/sent.js';

const { env, cwd, sandbox } = useSandboxCli();

const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();
const csv = (to: string, body: string) => `"to","body"\r\n"${to}","${body}"\r\n`;

describe('batch file encodings', () => {
  it.each([
    ['UTF-16 LE with its mark (PowerShell 5.1 Out-File)', 'le.csv', (t: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]), '+15550440003'],
    ['UTF-16 BE with its mark', 'be.csv', (t: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(t)]), '+15550440004'],
    ['UTF-8 with its mark', 'bom8.csv', (t: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')]), '+15550440005'],
  ])('sends a CSV written as %s', async (_name, file, encode, to) => {
    const body = `encoded row é ${file}`;
    writeFileSync(path.join(cwd, file), encode(csv(to, body)));
    const res = await telephony(['send', '--sandbox', '--batch', file, '--json'], { env, cwd });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect((await sentMessages(sandbox())).filter((m) => m.to === to).map((m) => m.body)).toEqual([body]);
  });

  it('sends an NDJSON batch written as UTF-16 LE', async () => {
    const line = JSON.stringify({ to: '+15550440006', body: 'ndjson utf16 row' });
    writeFileSync(path.join(cwd, 'le.ndjson'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${line}\r\n`, 'utf16le')]));
    const res = await telephony(['send', '--sandbox', '--batch', 'le.ndjson', '--json'], { env, cwd });
    expect(res.code).toBe(0);
    expect((await sentMessages(sandbox())).filter((m) => m.to === '+15550440006').map((m) => m.body)).toEqual(['ndjson utf16 row']);
  });

  it.each([
    ['ANSI (Windows-1252) text', 'ansi.csv', Buffer.from('to,body\r\n+15550440007,caf\xe9\r\n', 'latin1'), /not UTF-8/],
    ['UTF-16 without its mark', 'nomark.csv', Buffer.from(csv('+15550440008', 'no mark'), 'utf16le'), /NUL bytes.*UTF-16/],
  ])('refuses %s, naming the cause and the fix, and sends nothing', async (_name, file, bytes, cause) => {
    writeFileSync(path.join(cwd, file), bytes);
    const res = await telephony(['send', '--sandbox', '--batch', file, '--json'], { env, cwd });
    expect(res.code).toBe(2);
    const error = JSON.parse(res.stdout.trim() || res.stderr.trim()).error;
    expect(error.code).toBe('batch_unreadable');
    expect(error.message).toMatch(cause);
    expect(error.hint).toMatch(/Out-File -Encoding utf8/);
    expect((await sentMessages(sandbox())).filter((m) => m.to === '+15550440007' || m.to === '+15550440008')).toEqual([]);
  });
});
