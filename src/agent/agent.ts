/**
 * The agent adapters: a turn (text in) goes to the agent and its reply (text out) comes back.
 * "http" POSTs to a URL (the OpenClaw gateway or any), "command" runs a local program with the turn
 * as JSON on stdin (so a PowerShell or Python script can be the agent), "echo" answers what it got.
 */
import { ConfigError } from '../errors.js';
import { checkAgentEnvNames } from './child-env.js';
import { createCommandAgent } from './command-agent.js';
import { type ReplyWithMedia, structuredReply } from './structured-reply.js';

export type { ReplyWithMedia };
import type { FetchedMedia, UnavailableMedia } from '../messaging/media-fetch.js';

/** `{index, path, contentType, size}`: N of MediaUrlN, the local file, its checked type, its bytes. */
export type TurnMedia = FetchedMedia;
/** `{index, contentType, reason, notice}`; reason: over-limit, not-twilio, too-large, type-mismatch, fetch-failed, timed-out. */
export type TurnMediaNotice = UnavailableMedia;

export interface Turn {
  /** Texts now; calls (speech in, speech out) next. */
  channel: 'sms' | 'voice';
  /** One per remote number and channel, so the agent sees a conversation. */
  sessionId: string;
  from: string;
  to: string;
  /** What the sender wrote, or what the caller said. */
  text: string;
  /**
   * An MMS's attachments as local files on serve's machine (owner-only, removed when the turn ends):
   * fetched from Twilio for an admitted sender only, at most 10, within inboundMedia.maxBytes.
   */
  media: TurnMedia[];
  /** Attachments the agent does not get, each with a notice to act on (e.g. tell the texter). */
  mediaUnavailable?: TurnMediaNotice[];
  /** The text this turn answers (channel "sms"). */
  messageSid?: string;
  /** The call this turn belongs to (channel "voice"). */
  callSid?: string;
}


/**
 * The agent's answer: whole, or streamed as pieces of text (a call speaks the first words while the
 * rest is still coming), or with attachments, or null when it has nothing to say. wholeReply() joins
 * a stream; replyParts() also keeps the attachments.
 */
export type Reply = string | null | AsyncIterable<string> | ReplyWithMedia;

export interface TurnOptions {
  /** Cancels the turn (a caller talking over the agent, a hang-up): the agent stops and the turn fails with the signal's reason. */
  signal?: AbortSignal;
}

export interface Agent {
  readonly kind: string;
  turn(turn: Turn, options?: TurnOptions): Promise<Reply>;
  /** Turns still running. */
  running(): number;
  /** Abandons every running turn (each fails with an error) and stops what it started. */
  close(): Promise<void>;
  /**
   * Folders this agent's replies may attach local files from, besides agent.mediaRoots: OpenClaw's
   * agent names the copies OpenClaw keeps of what its media policy let it attach.
   */
  readonly mediaRoots?: readonly string[];
}

export interface AgentConfig {
  kind?: 'http' | 'command' | 'echo';
  url?: string;
  token?: string;
  /** A list: the program and its arguments, run directly; a string: a command line for the system shell. */
  command?: string | readonly string[];
  /** Environment variables the command agent gets besides the allowlisted basics. */
  env?: readonly string[];
  timeoutMs: number;
}

export function createAgent(config: AgentConfig, opts: { sandbox?: boolean } = {}): Agent {
  const kind = config.kind ?? (config.url ? 'http' : config.command ? 'command' : opts.sandbox ? 'echo' : undefined);
  if (kind === 'echo') {
    return {
      kind,
      turn: async (t, opts) => {
        opts?.signal?.throwIfAborted();
        return `echo: ${t.text}${describeMedia(t)}`;
      },
      running: () => 0,
      close: async () => {},
    };
  }
  if (kind === 'http') {
    if (!config.url) throw new ConfigError('agent.kind is "http" but agent.url is not set.', 'Set agent.url to the endpoint that takes turns (e.g. the OpenClaw gateway).');
    return createHttpAgent(config.url, config.token, config.timeoutMs);
  }
  if (kind === 'command') {
    if (!config.command) throw new ConfigError('agent.kind is "command" but agent.command is not set.', 'Set agent.command, e.g. ["python", "agent.py"] or "powershell -File agent.ps1".');
    checkAgentEnvNames(config.env ?? []);
    return createCommandAgent(config.command, config.timeoutMs, config.env);
  }
  throw new ConfigError('No agent is configured.', 'Set agent.url (http), agent.command (a local program), or agent.kind "echo"; `serve --sandbox` uses echo.');
}

function createHttpAgent(url: string, token: string | undefined, timeoutMs: number): Agent {
  // Aborted all at once at shutdown.
  const stopping = new AbortController();
  let running = 0;
  const turn = async (t: Turn, cancel?: AbortSignal): Promise<string | ReplyWithMedia | null> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/plain', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(t),
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal, ...(cancel ? [cancel] : [])]),
        });
        if (res.status >= 500 && attempt === 0) continue;
        if (!res.ok) throw new Error(`the agent at ${url} answered HTTP ${res.status}`);
        const text = await res.text();
        if ((res.headers.get('content-type') ?? '').includes('json')) {
          return structuredReply(JSON.parse(text)) ?? null;
        }
        return text.trim() || null;
      } catch (err) {
        // One retry for a connection that failed before any answer.
        if (attempt === 0 && !stopping.signal.aborted && !cancel?.aborted && (err as Error).name !== 'TimeoutError' && !(err as Error).message.startsWith('the agent')) continue;
        throw err;
      }
    }
  };
  return {
    kind: 'http',
    running: () => running,
    async turn(t, opts) {
      running++;
      try {
        return await turn(t, opts?.signal);
      } finally {
        running--;
      }
    },
    async close() {
      stopping.abort(new Error('serve is stopping: the agent request was abandoned'));
    },
  };
}

const isReplyWithMedia = (reply: Reply): reply is ReplyWithMedia => typeof reply === 'object' && reply !== null && 'media' in reply;

/** The text and attachments of a reply, joining a streamed one. */
export async function replyParts(reply: Reply): Promise<ReplyWithMedia> {
  if (isReplyWithMedia(reply)) return { text: reply.text || null, media: reply.media, ...(reply.dropped?.length ? { dropped: reply.dropped } : {}) };
  return { text: await wholeReply(reply), media: [] };
}

/** What the echo agent says of a turn's attachments: ` [image/jpeg, 3000 bytes] [unavailable: too-large]`. */
function describeMedia(t: Turn): string {
  const got = t.media.map((m) => ` [${m.contentType}, ${m.size} bytes]`);
  const missing = (t.mediaUnavailable ?? []).map((u) => ` [unavailable: ${u.reason}]`);
  return [...got, ...missing].join('');
}

/** The whole text of a reply, joining a streamed one (attachments are left out: see replyParts). */
export async function wholeReply(reply: Reply): Promise<string | null> {
  if (reply === null || typeof reply === 'string') return reply;
  if (isReplyWithMedia(reply)) return reply.text;
  let text = '';
  for await (const piece of reply) text += piece;
  return text || null;
}
