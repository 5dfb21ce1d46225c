/**
 * Where a turn's media files live: one fresh folder per turn under `inbound-media` in the data folder,
 * owner-only (the files are strangers' photos), removed when the turn ends; folders a crash left
 * behind are removed by the sweep once older than the retention, which is far longer than any turn.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Longer than any turn's agent time (agent.timeoutMs is at most 10 minutes); a turn may still wait
 * longer than this for its place in the queue, so the sweep also skips the folders of live turns.
 */
export const MEDIA_RETENTION_MS = 60 * 60_000;

export function inboundMediaRoot(dataDir: string): string {
  return path.join(dataDir, 'inbound-media');
}

/** The root made (or kept) owner-only; Windows ignores the mode and keeps the user's data folder private instead. */
export async function ensureMediaRoot(root: string): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
}

/** A folder name of its own for one turn: the MessageSid (when it looks like one) and a random part. */
export function turnFolder(root: string, messageSid: string): string {
  const sid = /^[A-Za-z0-9]{1,64}$/.test(messageSid) ? messageSid : 'message';
  return path.join(root, `${sid}-${randomBytes(6).toString('hex')}`);
}

export async function removeTurnFolder(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Removes turn folders older than the retention, except the `live` ones (turns not yet ended); returns how many. */
export async function sweepMediaRoot(root: string, live: ReadonlySet<string> = new Set(), now = Date.now(), retentionMs = MEDIA_RETENTION_MS): Promise<number> {
  const names = await readdir(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  let removed = 0;
  for (const name of names) {
    const dir = path.join(root, name);
    if (live.has(dir)) continue;
    const info = await stat(dir).catch(() => undefined);
    if (info && now - info.mtimeMs > retentionMs) {
      await rm(dir, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
