/**
 * The failed-rows file of a batch: the rows to run again as a CSV that `send --batch` takes back (same
 * keys, so nothing that went out is sent twice), formula cells neutralised. It holds numbers and
 * message bodies, so it is created owner-only (0600), as the store is. It goes beside the batch file,
 * or, for rows piped in, in the working folder; when that folder cannot be written (a Windows
 * scheduled task starts in C:\Windows\System32, a job may read from a read-only share) in the data
 * folder; when neither can, the run still ends with its summary, which says why and what to do.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveAppPaths } from '../config/paths.js';
import { csvCell } from './csv-cell.js';

export interface FailedRowsFile {
  /** The file written, or null when no folder could take it. */
  file: string | null;
  /** Why no file was written, naming each folder tried and the fix; null when one was. */
  error: { code: 'failed_file_unwritable'; message: string; hint: string } | null;
}

const HEADER = ['to', 'body', 'media', 'key', 'from', 'row', 'error'];

/** The folders tried in turn: beside the batch file (or the working folder for `-`), then the data folder. */
export function failedFileFolders(source: string, dataDir = resolveAppPaths().dataDir): string[] {
  const first = source === '-' ? process.cwd() : path.dirname(path.resolve(source));
  return first === path.resolve(dataDir) ? [first] : [first, path.resolve(dataDir)];
}

export function writeFailedRows(source: string, rows: Record<string, string | number>[]): FailedRowsFile {
  const base = source === '-' ? 'batch' : path.parse(source).name;
  const name = `${base}.failed-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`;
  const text = [HEADER.join(','), ...rows.map((r) => HEADER.map((h) => csvCell(r[h] ?? '')).join(','))].join('\n') + '\n';
  const problems: string[] = [];
  const folders = failedFileFolders(source);
  for (const [i, folder] of folders.entries()) {
    const file = path.join(folder, name);
    try {
      // The data folder may not exist yet (a PostgreSQL store never made it): made owner-only, as the store makes it.
      if (i > 0) mkdirSync(folder, { recursive: true, mode: 0o700 });
      createOwnerOnly(file, text);
      return { file, error: null };
    } catch (err) {
      problems.push(`${folder} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  return {
    file: null,
    error: {
      code: 'failed_file_unwritable',
      message: `The failed rows' file could not be written in ${problems.join(' nor in ')}; the failed rows are the ones reported above.`,
      hint: `Run the job in a folder it may write to (a scheduled task's "Start in"), or make ${folders[0]} writable; rerunning the same batch sends only the rows not sent yet.`,
    },
  };
}

/** A new file (never another's: `wx`), readable by its owner only; one cut short (a full disk) is taken away, as it would be rerun as if it held every row. */
function createOwnerOnly(file: string, text: string): void {
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeFileSync(fd, text);
  } catch (err) {
    closeSync(fd);
    rmSync(file, { force: true });
    throw err;
  }
  closeSync(fd);
}
