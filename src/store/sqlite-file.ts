/**
 * The SQLite store's file on disk: created owner-only (it holds message bodies, numbers and pairing
 * codes), and the errors a damaged, unreadable or read-only file gives, naming the file and the fix.
 * On POSIX the file is 0600 (SQLite gives its -wal and -shm files the same mode) and a folder we
 * create is 0700, as is the default data folder; on Windows, files inherit the ACL of the user's
 * profile folder, which already keeps other users out.
 */
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { resolveAppPaths } from '../config/paths.js';
import { ConfigError } from '../errors.js';

const POSIX = process.platform !== 'win32';

export function prepareSqliteFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  const folder = path.dirname(path.resolve(file));
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  // The default data folder may have been made by an older version or another command with 0755.
  if (POSIX && folder === path.resolve(resolveAppPaths().dataDir)) chmodSync(folder, 0o700);
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
}

/**
 * Makes every transaction committed to the store durable without a checkpoint: its write-ahead log
 * (`<file>-wal`, where WAL mode commits go) synced to the disk, as SQLite's checkpoint syncs it first.
 * False when there is nothing to sync this way (an in-memory store, no WAL file) or it failed: the
 * caller then closes the database the usual way, which checkpoints.
 */
export function syncWriteAheadLog(file: string): boolean {
  if (file === ':memory:' || file === '') return false;
  let fd: number | undefined;
  try {
    // Opened for writing: Windows flushes a file only through a handle that may write it.
    fd = openSync(`${file}-wal`, 'r+');
    fsyncSync(fd);
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A SQLite or file-system failure on the store as an error that names the file and the fix. */
export function storeFileError(file: string, err: unknown): ConfigError {
  const code = String((err as { code?: string }).code ?? '');
  const message = (err as Error).message ?? String(err);
  if (/SQLITE_NOTADB|SQLITE_CORRUPT/.test(code) || /not a database|malformed/i.test(message)) {
    return new ConfigError(
      `The store ${file} is not a SQLite database, or it is damaged (${message}).`,
      `Restore it from a backup, or move it aside (e.g. rename it to ${path.basename(file)}.damaged) and a new, empty store is created on the next run; store.url can also point at another file.`,
      'store_damaged',
    );
  }
  if (/SQLITE_READONLY/.test(code) || /readonly|read-only/i.test(message)) {
    return new ConfigError(
      `The store ${file} is read-only (${message}).`,
      'Make the file and its folder writable by this user (SQLite writes -wal and -shm files beside it), or point store.url at a writable place.',
      'store_read_only',
    );
  }
  return new ConfigError(
    `The store ${file} could not be opened (${message}).`,
    'Check that store.url names a file (not a folder) that this user can read and write, in a folder it can write to.',
    'store_open',
  );
}

/** Why a store file is readable by others (POSIX), or undefined when it is owner-only. */
export function storeFileExposure(file: string): string | undefined {
  if (!POSIX || file === ':memory:' || !existsSync(file)) return undefined;
  const mode = statSync(file).mode & 0o777;
  return mode & 0o077 ? `${file} is readable by other users (mode ${mode.toString(8)}); it holds message bodies, numbers and pairing codes` : undefined;
}
