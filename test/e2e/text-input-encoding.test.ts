/**
 * Every text input is decoded as batch files are (trial H6, review S7): `--body-file`, a body piped in
 * (`send TO -`), `--batch -` and `--to-file -`. Windows PowerShell 5.1 writes UTF-16 LE with its mark
 * (`>`, `Out-File`) and UTF-8 with its mark (`-Encoding utf8`, Notepad); cmd's `type f |` passes a
 * file's bytes as they are. Marked input is sent as written (the UTF-8 mark is not sent: it would be
 * an invisible character that forces UCS-2 and triples the segments); unmarked input that is not
 * UTF-8 is refused (exit 2) naming the fix, and nothing is sent.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { telephony } from '../helpers/cli.js';
import { useSandboxCli } from '../helpers/sandbox-cli.js';
import { sentMessages } from '../helpers/sent.js';

const { env, cwd, sandbox } = useSandboxCli();

const ENCODINGS = {
  'UTF-8 with its mark': (t: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')]),
  'UTF-16 LE with its mark': (t: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]),
  'UTF-16 BE with its mark': (t: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()]),
};
const ANSI = (t: string) => Buffer.from(t, 'latin1');

let nextNumber = 15550470000;
const newNumber = () => `+${++nextNumber}`;
const bodiesTo = async (to: string) => (await sentMessages(sandbox())).filter((m) => m.to === to).map((m) => m.body);
const jsonLines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** Each input form: how the bytes reach the CLI, for one recipient. */
const FORMS = {
  '--body-file': (to: string, bytes: Buffer, name: string) => {
    writeFileSync(path.join(cwd, name), bytes);
    return telephony(['send', '--sandbox', to, '--body-file', name, '--json'], { env, cwd });
  },
  'a body piped in (send TO -)': (to: string, bytes: Buffer) => telephony(['send', '--sandbox', to, '-', '--json'], { env, cwd, input: bytes }),
  '--batch - (CSV piped in)': (to: string, bytes: Buffer) => telephony(['send', '--sandbox', '--batch', '-', '--json'], { env, cwd, input: bytes }),
  '--to-file - (numbers piped in)': (to: string, bytes: Buffer) => telephony(['send', '--sandbox', '--to-file', '-', 'piped list', '--json'], { env, cwd, input: bytes }),
};
type Form = keyof typeof FORMS;

/** The text each form is given for `to`, and the body the sandbox must then hold. */
function inputFor(form: Form, to: string, body: string): { text: string; sent: string } {
  if (form === '--batch - (CSV piped in)') return { text: `to,body\r\n${to},${body}\r\n`, sent: body };
  // The body rides in a comment line, so the list's bytes carry its characters too.
  if (form === '--to-file - (numbers piped in)') return { text: `# ${body}\r\n${to}\r\n`, sent: 'piped list' };
  return { text: `${body}\r\n`, sent: body };
}

describe.each(Object.keys(FORMS) as Form[])('%s', (form) => {
  it.each(Object.keys(ENCODINGS) as (keyof typeof ENCODINGS)[])('sends text written as %s exactly, in GSM-7', async (encoding) => {
    const to = newNumber();
    // 150 GSM-7 characters: one segment; a kept UTF-8 mark would make it UCS-2 and three.
    const body = `Café é ${encoding} `.padEnd(150, 'x');
    const { text, sent } = inputFor(form, to, body);
    const res = await FORMS[form](to, ENCODINGS[encoding](text), `body-${to}.txt`);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(await bodiesTo(to)).toEqual([sent]);
    const results = jsonLines(res.stdout).flatMap((l) => l.results ?? (l.sid ? [l] : []));
    expect(results).toMatchObject([{ to, segments: 1, encoding: 'GSM-7' }]);
  });

  it('refuses unmarked text that is not UTF-8 (ANSI), naming the fix, exit 2, and sends nothing', async () => {
    const to = newNumber();
    const { text } = inputFor(form, to, 'caf\xe9 ansi');
    const res = await FORMS[form](to, ANSI(text), `ansi-${to}.txt`);
    expect(res.code).toBe(2);
    const error = JSON.parse(res.stdout.trim() || res.stderr.trim()).error;
    expect(error.message).toMatch(/not UTF-8 text/);
    expect(error.code).toMatch(/^(body|batch)_unreadable$/);
    expect(error.hint).toMatch(/Out-File -Encoding utf8/);
    expect(await bodiesTo(to)).toEqual([]);
  });

  it('refuses UTF-16 without its mark, exit 2, and sends nothing', async () => {
    const to = newNumber();
    const { text } = inputFor(form, to, 'no mark');
    const res = await FORMS[form](to, Buffer.from(text, 'utf16le'), `nomark-${to}.txt`);
    expect(res.code).toBe(2);
    expect(JSON.parse(res.stdout.trim() || res.stderr.trim()).error.message).toMatch(/NUL bytes.*UTF-16/);
    expect(await bodiesTo(to)).toEqual([]);
  });
});

describe('standard input read once', () => {
  it('refuses --to-file - with the body - too, sending nothing', async () => {
    const to = newNumber();
    const res = await telephony(['send', '--sandbox', '--to-file', '-', '-', '--json'], { env, cwd, input: `${to}\n` });
    expect(res.code).toBe(2);
    expect(JSON.parse(res.stdout.trim() || res.stderr.trim()).error.message).toMatch(/both read standard input/);
    expect(await bodiesTo(to)).toEqual([]);
  });
});
