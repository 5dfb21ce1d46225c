/**
 * The audio of a recording, as 8 kHz 16-bit WAV. The sandbox has real audio only where a call had
 * it: a media stream's two tracks. Elsewhere it renders what the timeline says was said, each
 * utterance synthesised (espeak-ng or the speech-like signal, see stream/caller-audio.ts) at the moment
 * it was said: a <Record> holds what the handset said while recording; a recorded call holds both
 * sides. The WAV always lasts the recording's duration.
 */
import wavefile from 'wavefile';
import type { SandboxContext } from '../context.js';
import type { RecordingRecord } from '../resources/recordings.js';
import type { CallRecord } from './call-record.js';
import { callerSpeech, decodeMulaw, SAMPLE_RATE } from './stream/caller-audio.js';
import { streamTracks } from './stream/stream-audio.js';

const GAP_SAMPLES = 0.3 * SAMPLE_RATE;

function wav(channels: Int16Array[]): Buffer {
  const file = new wavefile.WaveFile();
  file.fromScratch(channels.length, SAMPLE_RATE, '16', channels.length === 1 ? channels[0] : channels);
  return Buffer.from(file.toBuffer());
}

async function place(track: Int16Array, text: string, at: number): Promise<number> {
  const pcm = decodeMulaw((await callerSpeech(text)).audio);
  const start = Math.max(0, Math.min(at, track.length));
  track.set(pcm.subarray(0, track.length - start), start);
  return start + pcm.length;
}

/**
 * What was said on the call (app and caller) and when since it was answered, in real time as the
 * call's duration is (with --speed, both are shorter than on a phone). A ConversationRelay reply is
 * entered in the timeline when it ends; its `startedT` says when it began.
 */
function utterances(call: CallRecord): { text: string; at: number; caller: boolean }[] {
  const answered = call._timeline.find((e) => e.kind === 'status' && e.text === 'in-progress')?.t ?? 0;
  return call._timeline
    .filter((e) => (e.kind === 'heard' && (e.what === 'say' || e.what === 'speech')) || (e.kind === 'did' && (e.input as { kind?: string })?.kind === 'speech'))
    .map((e) => ({ text: e.kind === 'did' ? String((e.input as { text: string }).text) : e.text, at: Math.round(((Number(e.startedT ?? e.t) - answered) / 1000) * SAMPLE_RATE), caller: e.kind === 'did' }));
}

export async function recordingWav(ctx: SandboxContext, r: RecordingRecord): Promise<Buffer> {
  const samples = Math.max(1, Number(r.duration)) * SAMPLE_RATE;
  const stream = r.source === 'RecordVerb' ? undefined : streamTracks(r.call_sid);
  if (stream) {
    const tracks = [decodeMulaw(stream.inbound), decodeMulaw(stream.outbound)].map((t) => {
      const out = new Int16Array(samples);
      out.set(t.subarray(0, samples));
      return out;
    });
    if (Number(r.channels) === 2) return wav(tracks);
    return wav([tracks[0].map((v, i) => Math.max(-32768, Math.min(32767, v + tracks[1][i])))]);
  }
  const track = new Int16Array(samples);
  if (r.source === 'RecordVerb') {
    let at = 0;
    for (const text of r._spoken as string[]) at = (await place(track, text, at)) + GAP_SAMPLES;
    return wav([track]);
  }
  // Dual channel: the caller left, the app right; mono: both in one.
  const appTrack = Number(r.channels) === 2 ? new Int16Array(samples) : track;
  const call = ctx.store.get<CallRecord>('call', r.call_sid);
  if (call) for (const u of utterances(call)) await place(u.caller ? track : appTrack, u.text, u.at);
  return wav(appTrack === track ? [track] : [track, appTrack]);
}
