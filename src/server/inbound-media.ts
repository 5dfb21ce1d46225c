/**
 * serve's side of inbound MMS: an admitted sender's media fetched as local files for the turn
 * (messaging/media-fetch.ts), in a folder of the turn's own under the data folder, removed when the
 * turn ends (and swept hourly if a crash left one). The fetch starts at once and runs outside the
 * conversation queue, so it holds no agent slot and other senders' turns never wait on it; the
 * same sender's later texts wait for it, so turns keep the order the texts came in.
 */
import type { Turn } from '../agent/agent.js';
import type { MediaOrigin } from '../messaging/media-fetch-hosts.js';
import { ensureMediaRoot, inboundMediaRoot, removeTurnFolder, sweepMediaRoot, turnFolder } from '../messaging/media-fetch-folder.js';
import type { ConfigResolution } from '../config/resolve.js';
import type { TwilioAccess } from '../twilio/access.js';
import { fetchInboundMedia, type MediaItem, type MediaResult } from '../messaging/media-fetch.js';
import type { Emit } from './events.js';
import type { InboundParams } from './inbound-sms.js';

export interface InboundMediaOptions {
  /** `inbound-media` in the data folder. */
  root: string;
  origin: MediaOrigin;
  credentials: { username: string; password: string };
  maxBytes: number;
  timeoutMs: number;
  emit: Emit;
}

export interface InboundMedia {
  /**
   * Runs `turn` with the text's media (fetched now, in parallel with the sender's earlier turns) after
   * the sender's earlier texts have entered their conversation; the files are removed when it ends.
   * `turn` must enter the conversation (sessions.run) before its first await, to keep the order.
   */
  inOrder<T>(sessionId: string, fetch: { items: MediaItem[]; messageSid: string; from: string }, turn: (media: Pick<Turn, 'media' | 'mediaUnavailable'>) => Promise<T>): Promise<T>;
  /** Removes turn folders a crash left behind (hourly, and at start); never a live turn's. Returns how many. */
  sweep(): Promise<number>;
  /** Stops the downloads (shutdown) and the sweep. */
  close(): void;
}

const NOTHING: MediaResult = { media: [], unavailable: [] };

/** MediaUrl0..N with MediaContentTypeN, in N's order (MediaUrl10 after MediaUrl9). */
export function mediaItemsOf(p: InboundParams): MediaItem[] {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
  return Object.keys(p)
    .map((k) => /^MediaUrl(\d+)$/.exec(k)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort((a, b) => Number(a) - Number(b))
    .map((n) => ({ url: one(p[`MediaUrl${n}`]), contentType: one(p[`MediaContentType${n}`]) }));
}

/** From serve's configuration and Twilio access: media from the sandbox (or twilio.apiBaseUrl) when set, else from Twilio's hosts only. */
export function inboundMediaOptions(resolution: Pick<ConfigResolution, 'config' | 'paths'>, access: TwilioAccess, emit: Emit): InboundMediaOptions {
  return {
    root: inboundMediaRoot(resolution.paths.dataDir),
    origin: { accountSid: access.accountSid, apiOrigin: access.sandbox ? access.baseUrl : undefined },
    credentials: { username: access.username, password: access.password },
    maxBytes: resolution.config.inboundMedia.maxBytes,
    timeoutMs: resolution.config.inboundMedia.timeoutMs,
    emit,
  };
}

export async function createInboundMedia(o: InboundMediaOptions): Promise<InboundMedia> {
  await ensureMediaRoot(o.root);
  // The folders of turns not yet ended: a turn may wait in its queue longer than the retention.
  const live = new Set<string>();
  const sweep = () =>
    sweepMediaRoot(o.root, live).catch((err: Error) => {
      o.emit('warning', { message: `removing old inbound media failed: ${err.message}` });
      return 0;
    });
  await sweep();
  const timer = setInterval(() => void sweep(), 3_600_000);
  timer.unref();
  const stopping = new AbortController();
  // Per sender: settles once its latest text has entered its conversation.
  const gates = new Map<string, Promise<void>>();

  async function fetchFor(items: MediaItem[], messageSid: string, from: string): Promise<MediaResult & { dir?: string }> {
    if (!items.length) return NOTHING;
    const dir = turnFolder(o.root, messageSid);
    live.add(dir);
    // fetchInboundMedia answers every failure with a notice; this is for the unforeseen, so the text still goes on.
    const result = await fetchInboundMedia(items, { origin: o.origin, credentials: o.credentials, dir, maxBytes: o.maxBytes, timeoutMs: o.timeoutMs, signal: stopping.signal }).catch(
      (err: Error): MediaResult => ({ media: [], unavailable: items.map((item, index) => ({ index, contentType: item.contentType, reason: 'fetch-failed', notice: `Attachment ${index + 1} could not be downloaded (${err.message}).` })) }),
    );
    o.emit('sms.media', {
      from,
      fetched: result.media.length,
      bytes: result.media.reduce((n, m) => n + m.size, 0),
      unavailable: result.unavailable.map((u) => u.reason),
    });
    return { ...result, dir };
  }

  return {
    async inOrder(sessionId, { items, messageSid, from }, turn) {
      const files = fetchFor(items, messageSid, from);
      const before = gates.get(sessionId);
      let entered!: () => void;
      const gate = new Promise<void>((resolve) => (entered = resolve));
      gates.set(sessionId, gate);
      void gate.then(() => gates.get(sessionId) === gate && gates.delete(sessionId));
      let got: Awaited<typeof files> = NOTHING;
      try {
        await before;
        got = await files;
      } finally {
        entered();
      }
      try {
        return await turn({ media: got.media, mediaUnavailable: got.unavailable });
      } finally {
        if (got.dir) {
          await removeTurnFolder(got.dir).catch((err: Error) => o.emit('warning', { message: `removing a turn's media failed: ${err.message}` }));
          live.delete(got.dir);
        }
      }
    },
    sweep,
    close() {
      stopping.abort();
      clearInterval(timer);
    },
  };
}
