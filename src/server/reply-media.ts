/**
 * Attachments an agent names in its reply, made ready to send: https URLs as they are; a local file
 * only when it lies under one of agent.mediaRoots (checked after symbolic links are resolved, so a
 * link cannot lead out), then checked against Twilio's limits and served under an expiring URL.
 * The agent's reply is hostile input: without this fence a prompt-injected agent could text any file
 * serve can read (credentials, keys) to whoever wrote to it.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { hostMedia, inspectMedia, localMediaPath, type MediaHost, mediaFingerprint } from '../messaging/outbound-media.js';

export interface ReadyMedia {
  /** The URLs Twilio fetches. */
  urls: string[];
  /** What the store keeps of them (files by content). */
  record: string[];
  /** Attachments left out, each with the reason (for the operator). */
  refused: string[];
}

/** Whether `file` (real path) is inside one of the real `roots`. */
function isInside(file: string, roots: readonly string[]): boolean {
  return roots.some((root) => {
    const rel = path.relative(root, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  });
}

async function realRoots(roots: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const root of roots) {
    try {
      out.push(await realpath(path.resolve(root)));
    } catch {
      // A root that does not exist holds no files.
    }
  }
  return out;
}

/** Whether the real path `file` lies under one of `roots` (symbolic links in the roots resolved). */
export async function isUnderRoots(file: string, roots: readonly string[]): Promise<boolean> {
  return isInside(file, await realRoots(roots));
}

/** Keeps the URLs and the local files under `roots`; says why each other item was left out. */
async function fenceAttachments(items: readonly string[], roots: readonly string[]): Promise<{ kept: string[]; refused: string[] }> {
  const real = await realRoots(roots);
  const kept: string[] = [];
  const refused: string[] = [];
  for (const item of items) {
    let local: string | undefined;
    try {
      local = localMediaPath(item);
    } catch (err) {
      refused.push((err as Error).message);
      continue;
    }
    if (local === undefined) {
      kept.push(item);
      continue;
    }
    const file = await realpath(path.resolve(local)).catch(() => undefined);
    if (!file) refused.push(`the attachment ${JSON.stringify(item)} does not exist`);
    else if (!isInside(file, real)) refused.push(`the attachment ${JSON.stringify(item)} is outside agent.mediaRoots (${roots.length ? roots.join(', ') : 'none set'})`);
    else kept.push(file);
  }
  return { kept, refused };
}

/**
 * The agent's attachments, fenced, checked and hosted. A problem with them never loses the text:
 * the attachments are dropped and the reasons returned, for the operator.
 */
export async function readyReplyMedia(items: readonly string[], roots: readonly string[], host: MediaHost | undefined): Promise<ReadyMedia> {
  if (items.length === 0) return { urls: [], record: [], refused: [] };
  const { kept, refused } = await fenceAttachments(items, roots);
  try {
    const media = await inspectMedia(kept);
    return { urls: await hostMedia(media, host), record: mediaFingerprint(media), refused };
  } catch (err) {
    return { urls: [], record: [], refused: [...refused, (err as Error).message.replace(/; nothing was sent\.$/, '')] };
  }
}

/** Whether any attachment is a local file served under a token URL (a secret, unlike an https URL the agent gave). */
export function hasLocalFile(media: ReadyMedia): boolean {
  return media.record.some((r) => r.startsWith('file:'));
}
