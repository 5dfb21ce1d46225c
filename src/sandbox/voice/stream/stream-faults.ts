/**
 * The faults of one media stream (`--fault stream-drop`, `packet-loss`, `jitter`, `echo`), drawn when
 * the stream opens, carried out by StreamSession, and summed up for the call's timeline.
 *
 * - Packet loss: a lost caller frame is never sent. `sequenceNumber` and `chunk` count the messages
 *   Twilio actually sends (its documentation defines both as incremented per message), so they stay
 *   gapless; `timestamp` is the frame's place in the stream, so a lost frame shows as a 40 ms step.
 * - Jitter: every message after `start` waits a random 0..jitterMs past its due time, in one queue,
 *   so order is kept and no message is ever later than jitterMs past its schedule.
 * - Echo: what the app's audio played on the line, attenuated and delayed, is added to the caller's
 *   frames (the recorded inbound track included), as a speakerphone's microphone picks it up.
 */
import { performance } from 'node:perf_hooks';
import type { Random, VoiceFaults } from '../voice-faults.js';
import { faultRandom, streamRandom } from '../voice-faults.js';
import { addTimeline, type HasTimeline } from '../timeline.js';
import { decodeMulaw, encodeMulaw, FRAME_BYTES } from './caller-audio.js';

export interface StreamFaultPlan {
  lossRate: number;
  jitterMs: number;
  echo?: { gain: number; delayMs: number };
  /** The sandbox cuts the socket this long after the stream opened. */
  dropAfterMs?: number;
  random: Random;
}

/** This stream's faults, or undefined when none apply. */
export function planStreamFaults(spec: VoiceFaults): StreamFaultPlan | undefined {
  const drop = spec.streamDrop && faultRandom(spec)() < spec.streamDrop.probability ? spec.streamDrop.afterMs : undefined;
  if (drop === undefined && !spec.packetLoss && !spec.jitterMs && !spec.echo) return undefined;
  return { lossRate: spec.packetLoss ?? 0, jitterMs: spec.jitterMs ?? 0, echo: spec.echo, dropAfterMs: drop, random: streamRandom(spec) };
}

export function describePlan(plan: StreamFaultPlan): string {
  const parts: string[] = [];
  if (plan.dropAfterMs !== undefined) parts.push(`stream-drop after ${plan.dropAfterMs / 1000} s`);
  if (plan.lossRate) parts.push(`packet-loss ${plan.lossRate * 100}%`);
  if (plan.jitterMs) parts.push(`jitter up to ${plan.jitterMs} ms`);
  if (plan.echo) parts.push(`echo at ${plan.echo.gain * 100}% after ${plan.echo.delayMs} ms`);
  return parts.join(', ');
}

const MAX_LISTED = 1000;

export class StreamFaults {
  private lost: number[] = [];
  private lostCount = 0;
  private queue: { at: number; send: () => void }[] = [];
  private lastRelease = 0;
  private timer: NodeJS.Timeout | undefined;
  private jitter = { messages: 0, maxDrawnMs: 0, maxHeldMs: 0, maxLateMs: 0 };
  /** The app's audio as played over the last `delayMs` (at least one frame), newest last. */
  private played: Int16Array;
  private echoedFrames = 0;
  private firstEchoMs: number | null = null;

  constructor(readonly plan: StreamFaultPlan) {
    this.played = new Int16Array(Math.max(FRAME_BYTES, Math.round(((plan.echo?.delayMs ?? 0) * 8000) / 1000)));
  }

  /** Whether the caller's frame at `timestampMs` is lost. */
  losesFrame(timestampMs: number): boolean {
    if (!this.plan.lossRate || this.plan.random() >= this.plan.lossRate) return false;
    this.lostCount++;
    if (this.lost.length < MAX_LISTED) this.lost.push(timestampMs);
    return true;
  }

  /** Sends now, or after a jitter delay behind every message queued before it. `dueAt` is performance time. */
  send(send: () => void, dueAt = performance.now(), jittered = true): void {
    if (!this.plan.jitterMs) return send();
    const drawn = jittered ? this.plan.random() * this.plan.jitterMs : 0;
    const at = Math.max(dueAt + drawn, this.lastRelease);
    this.lastRelease = at;
    this.jitter.messages++;
    this.jitter.maxDrawnMs = Math.max(this.jitter.maxDrawnMs, drawn);
    // Held past its due time by the jitter alone: never over jitterMs, the one before it being due earlier.
    this.jitter.maxHeldMs = Math.max(this.jitter.maxHeldMs, at - dueAt);
    this.queue.push({ at, send: () => this.released(send, dueAt) });
    this.release();
  }

  private released(send: () => void, dueAt: number): void {
    this.jitter.maxLateMs = Math.max(this.jitter.maxLateMs, performance.now() - dueAt);
    send();
  }

  private release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = performance.now();
    while (this.queue.length && this.queue[0].at <= now + 0.5) this.queue.shift()!.send();
    if (this.queue.length) this.timer = setTimeout(() => this.release(), Math.max(0, this.queue[0].at - now));
  }

  /** Sends whatever jitter still holds (before `stop` and close). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const q of this.queue.splice(0)) q.send();
  }

  /** The app's audio that played during one frame (mu-law), kept for the echo. */
  appPlayed(frame: Uint8Array): void {
    if (!this.plan.echo) return;
    this.played.copyWithin(0, FRAME_BYTES);
    this.played.set(decodeMulaw(frame), this.played.length - FRAME_BYTES);
  }

  /**
   * The caller's frame with the echo added: the app's audio from `delayMs` ago. Called before the
   * app's audio of the same 20 ms is played, so the newest kept frame is the previous one.
   */
  withEcho(frame: Uint8Array, timestampMs: number): Uint8Array {
    const echo = this.plan.echo;
    if (!echo) return frame;
    // `played` ends where this frame begins and reaches back delayMs: its first 20 ms echo now.
    const source = this.played.subarray(0, FRAME_BYTES);
    if (!source.some((s) => s !== 0)) return frame;
    const pcm = decodeMulaw(frame);
    for (let i = 0; i < FRAME_BYTES; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(pcm[i] + echo.gain * source[i])));
    this.echoedFrames++;
    this.firstEchoMs ??= timestampMs;
    return encodeMulaw(pcm);
  }

  summary(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.plan.lossRate) out.packetLoss = { rate: this.plan.lossRate, lostFrames: this.lostCount, lostTimestamps: this.lost };
    if (this.plan.jitterMs) out.jitter = { boundMs: this.plan.jitterMs, messages: this.jitter.messages, maxDrawnMs: round(this.jitter.maxDrawnMs), maxHeldMs: round(this.jitter.maxHeldMs), maxLateMs: round(this.jitter.maxLateMs) };
    if (this.plan.echo) out.echo = { gain: this.plan.echo.gain, delayMs: this.plan.echo.delayMs, echoedMs: this.echoedFrames * 20, firstEchoMs: this.firstEchoMs };
    return out;
  }
}

/** StreamError text when the `stream-drop` fault cut a stream. */
export const DROPPED_STREAM_ERROR = 'the WebSocket connection was lost (closed without a close frame)';

/** On the call's timeline: the faults a stream opened with. */
export function noteStreamFaults(call: HasTimeline, streamSid: string, faults: StreamFaults | undefined): void {
  if (faults) addTimeline(call, 'fault', `stream ${streamSid}: ${describePlan(faults.plan)} (--fault)`, { fault: 'stream', streamSid });
}

/** On the call's timeline when a stream closed: what its faults did, and the drop if it was cut. */
export function noteStreamFaultResults(call: HasTimeline, streamSid: string, faults: StreamFaults | undefined, cut: boolean): void {
  if (!faults) return;
  const results = faults.summary();
  if (Object.keys(results).length) addTimeline(call, 'fault', `stream ${streamSid}: ${describeResults(results)}`, { fault: 'stream-results', streamSid, ...results });
  if (cut) addTimeline(call, 'fault', `stream-drop: the sandbox cut stream ${streamSid} after ${faults.plan.dropAfterMs! / 1000} s (--fault)`, { fault: 'stream-drop', streamSid });
}

function describeResults(r: Record<string, any>): string {
  const parts: string[] = [];
  if (r.packetLoss) parts.push(`packet-loss: ${r.packetLoss.lostFrames} caller frame(s) not sent`);
  if (r.jitter) parts.push(`jitter: ${r.jitter.messages} message(s) delayed up to ${r.jitter.maxDrawnMs} ms`);
  if (r.echo) parts.push(`echo: ${(r.echo.echoedMs / 1000).toFixed(2)} s of the app's audio came back in the caller's track`);
  return parts.join('; ');
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
