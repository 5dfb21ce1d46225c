/**
 * A configuration file's text, decoded as every text input is (src/text/input-text.ts): Windows
 * PowerShell 5.1's `>` and `Out-File` write UTF-16 with its mark, Notepad UTF-8 with its mark; both are
 * read, and a file that is neither marked nor UTF-8 is refused naming the fix (exit 3).
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { decodeInputText } from '../text/input-text.js';

/** Throws the file system's error (missing, unreadable) as it is, for each caller to word. */
export function readConfigText(filepath: string): string {
  return decodeInputText(readFileSync(filepath), { kind: 'config', label: filepath });
}

/**
 * A file that may not be a configuration (a package.json up the tree, OpenClaw's own file), looked at
 * to see whether it is one: one that cannot be decoded is read as before (invalid bytes replaced)
 * rather than stopping every command, and refused by readConfigText once it turns out to be the one.
 */
export function peekConfigText(filepath: string): string {
  try {
    return readConfigText(filepath);
  } catch (err) {
    if (err instanceof UserError) return readFileSync(filepath, 'utf8');
    throw err;
  }
}
