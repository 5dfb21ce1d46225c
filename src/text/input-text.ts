/**
 * The bytes of a text input (a batch file, a message body from a file or a pipe, a configuration file)
 * as text, decoded one way for all of them. Windows PowerShell 5.1 writes UTF-16 by default (`>` and
 * `Out-File`: little-endian with the byte-order mark FF FE), `-Encoding utf8` and Notepad write UTF-8
 * with its mark EF BB BF, Excel and PowerShell 7 plain UTF-8. Input with a mark is decoded by it;
 * input without one must be UTF-8, and input that is not is refused with the cause and the fix rather
 * than read (or sent to a customer) garbled.
 */
import { ConfigError, UserError } from '../errors.js';

/** What the input is for: decides the error's code, exit code and fix. */
export type InputKind = 'batch' | 'body' | 'config';

export interface TextInput {
  kind: InputKind;
  /** Where it came from, as the error names it: `--batch rows.csv`, `--body-file - (standard input)`, a config path. */
  label: string;
  /** True for standard input: the cause speaks of "the input", not "the file". */
  stdin?: boolean;
}

// Piped text: a file given by name is read as it is; Windows PowerShell 5.1 re-encodes what it pipes.
const PIPE_HINT = ' Then give the file by name rather than piping it: a Windows PowerShell 5.1 pipe turns every non-ASCII character into "?".';

const REFUSALS: Record<InputKind, { code: string; consequence: string; hint: string }> = {
  batch: {
    code: 'batch_unreadable',
    consequence: 'its rows cannot be read',
    hint: 'Save it as UTF-8: in PowerShell `Get-Content in.csv | Out-File -Encoding utf8 out.csv` or `Export-Csv -Encoding UTF8`; in Excel "CSV UTF-8".',
  },
  body: {
    code: 'body_unreadable',
    consequence: 'the message cannot be read and nothing was sent',
    hint: 'Save it as UTF-8: in PowerShell `Get-Content in.txt | Out-File -Encoding utf8 note.txt`; in Notepad "Save as" with Encoding UTF-8.',
  },
  config: {
    code: 'config_encoding',
    consequence: 'the configuration cannot be read',
    hint: 'Save it as UTF-8: in PowerShell `(Get-Content FILE) | Set-Content -Encoding utf8 FILE`; in Notepad "Save as" with Encoding UTF-8.',
  },
};

function refuse(input: TextInput, cause: string): never {
  const { code, consequence, hint } = REFUSALS[input.kind];
  const message = `${input.label}: ${cause}, so ${consequence}.`;
  throw input.kind === 'config' ? new ConfigError(message, hint, code) : new UserError(message, { code, hint: input.stdin ? hint + PIPE_HINT : hint });
}

/** UTF-16 big-endian as little-endian: each pair of bytes swapped (a copy; the caller's buffer is left alone). */
function swapPairs(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return copy.swap16();
}

const UTF8_MARK = '\ufeff';

/**
 * The text of an input. A UTF-8 mark is dropped, except for batches (`keepUtf8Mark`): their CSV
 * reader drops it, and keeping it leaves the batch id of piped rows (made of their text) as before.
 */
export function decodeInputText(bytes: Buffer, input: TextInput, opts: { keepUtf8Mark?: boolean } = {}): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2, bytes.length - (bytes.length % 2)).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return swapPairs(bytes.subarray(2)).toString('utf16le');
  const what = input.stdin ? 'the input' : 'the file';
  // No text we read holds a NUL; input that does is UTF-16 without its mark (or not text at all).
  if (bytes.includes(0)) refuse(input, `${what} holds NUL bytes (UTF-16 without a byte-order mark, or not text)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    refuse(input, `${what} is not UTF-8 text (for example ANSI/Windows-1252, what \`Set-Content\` writes in Windows PowerShell 5.1)`);
  }
  return !opts.keepUtf8Mark && text.startsWith(UTF8_MARK) ? text.slice(1) : text;
}
