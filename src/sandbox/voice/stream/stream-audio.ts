/** The audio of each call's media streams, both tracks, kept for the control API (the last 50 calls). */
import { twoTrackWav } from './caller-audio.js';
import type { StreamSession } from './stream-session.js';

const MAX_CALLS = 50;
const kept = new Map<string, { inbound: number[]; outbound: number[] }>();

export function keepStreamAudio(callSid: string, session: StreamSession): void {
  const entry = kept.get(callSid) ?? { inbound: [], outbound: [] };
  entry.inbound.push(...session.inboundTrack);
  entry.outbound.push(...session.outboundTrack);
  kept.delete(callSid);
  kept.set(callSid, entry);
  while (kept.size > MAX_CALLS) kept.delete(kept.keys().next().value!);
}

/** The raw mu-law tracks of a call's streams, or undefined. */
export function streamTracks(callSid: string): { inbound: Uint8Array; outbound: Uint8Array } | undefined {
  const entry = kept.get(callSid);
  return entry ? { inbound: Uint8Array.from(entry.inbound), outbound: Uint8Array.from(entry.outbound) } : undefined;
}

/** A stereo WAV (caller left, app right), or undefined when the call had no stream. */
export function streamWav(callSid: string): Buffer | undefined {
  const entry = kept.get(callSid);
  return entry ? twoTrackWav(Uint8Array.from(entry.inbound), Uint8Array.from(entry.outbound)) : undefined;
}
