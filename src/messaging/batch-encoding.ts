/**
 * A batch file's bytes as text. Windows PowerShell 5.1 writes UTF-16 by default (`>` and `Out-File`:
 * little-endian with the byte-order mark FF FE), Excel and PowerShell 7 write UTF-8, sometimes with
 * its mark EF BB BF. Files with a mark are decoded by it; a file without one must be UTF-8, and one
 * that is not is refused with the cause and the fix rather than read as garbled rows.
 */
import { UserError } from '../errors.js';

const SAVE_AS_UTF8 =
  'Save it as UTF-8: in PowerShell `Get-Content in.csv | Out-File -Encoding utf8 out.csv` or `Export-Csv -Encoding UTF8`; in Excel "CSV UTF-8".';

function refuse(flag: string, source: string, cause: string): never {
  throw new UserError(`${flag} ${source}: ${cause}, so its rows cannot be read.`, { code: 'batch_unreadable', hint: SAVE_AS_UTF8 });
}

/** UTF-16 big-endian as little-endian: each pair of bytes swapped (a copy; the file's buffer is left alone). */
function swapPairs(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return copy.swap16();
}

/**
 * The text of a batch file. UTF-8 text is returned exactly as before (its mark, if any, kept: the CSV
 * reader drops it), so batch ids and row keys of existing files do not change.
 */
export function decodeBatchBytes(bytes: Buffer, flag: string, source: string): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2, bytes.length - (bytes.length % 2)).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return swapPairs(bytes.subarray(2)).toString('utf16le');
  // No text batch holds a NUL; one that does is UTF-16 saved without its mark (or not text at all).
  if (bytes.includes(0)) refuse(flag, source, 'the file holds NUL bytes (UTF-16 without a byte-order mark, or not a text file)');
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    refuse(flag, source, 'the file is not UTF-8 text (for example ANSI/Windows-1252, what `Set-Content` writes in Windows PowerShell 5.1)');
  }
  return bytes.toString('utf8');
}
