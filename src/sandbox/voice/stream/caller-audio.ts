/**
 * The caller's voice on a media stream, as G.711 mu-law at 8 kHz. Speech is synthesised by the
 * `espeak-ng` program when it is installed (spawned with argv only, never a shell, with an
 * environment that carries none of our secrets), else a deterministic speech-like signal of the same
 * length: voiced syllables (a 120 Hz buzz through a vowel-like formant, shaped by a syllable
 * envelope), so voice-activity detection sees speech. Silence is real mu-law silence (0xFF).
 */
import { spawn } from 'node:child_process';
import alawmulaw from 'alawmulaw';
import wavefile from 'wavefile';
import { speechMs } from '../clock.js';

const { mulaw } = alawmulaw;
export const SAMPLE_RATE = 8000;
export const FRAME_BYTES = 160; // 20 ms
export const MULAW_SILENCE = 0xff;

export function encodeMulaw(pcm: Int16Array): Uint8Array {
  return mulaw.encode(pcm);
}

export function decodeMulaw(bytes: Uint8Array): Int16Array {
  return mulaw.decode(bytes);
}

/** A speech-like signal, the same every time for the same text. */
export function speechLikeSignal(text: string): Int16Array {
  const samples = Math.round((speechMs(text) / 1000) * SAMPLE_RATE);
  const pcm = new Int16Array(samples);
  const syllable = 0.2 * SAMPLE_RATE;
  let seed = [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  let formant = 700;
  for (let i = 0; i < samples; i++) {
    if (i % syllable === 0) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      formant = 500 + (seed % 1500);
    }
    const t = i / SAMPLE_RATE;
    const inSyllable = (i % syllable) / syllable;
    const envelope = Math.sin(Math.PI * inSyllable) ** 2;
    const buzz = Math.sign(Math.sin(2 * Math.PI * 120 * t)) * 0.3 + Math.sin(2 * Math.PI * formant * t);
    pcm[i] = Math.round(6000 * envelope * buzz);
  }
  return pcm;
}

let espeakAvailable: boolean | undefined;

/** espeak-ng's WAV for `text`, resampled to 8 kHz; undefined when the program is not there or fails. */
function espeak(text: string): Promise<Int16Array | undefined> {
  if (espeakAvailable === false) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    // Only what espeak needs: never our credentials or tokens.
    const env = { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' };
    const child = spawn('espeak-ng', ['--stdout', '-v', 'en-us', '-s', '165', '--', text], { env, stdio: ['ignore', 'pipe', 'ignore'], shell: false });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', () => {
      espeakAvailable = false;
      resolve(undefined);
    });
    child.on('close', (code) => {
      if (code !== 0 || chunks.length === 0) return resolve(undefined);
      espeakAvailable = true;
      try {
        const wav = new wavefile.WaveFile(Buffer.concat(chunks));
        wav.toSampleRate(SAMPLE_RATE);
        wav.toBitDepth('16');
        resolve(Int16Array.from(wav.getSamples(false, Int16Array) as unknown as Int16Array));
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** The caller saying `text`, as mu-law bytes, and how it was made. */
export async function callerSpeech(text: string): Promise<{ audio: Uint8Array; source: 'espeak-ng' | 'synthetic' }> {
  const spoken = await espeak(text);
  return spoken ? { audio: encodeMulaw(spoken), source: 'espeak-ng' } : { audio: encodeMulaw(speechLikeSignal(text)), source: 'synthetic' };
}

/** A stereo mu-law WAV: the caller (inbound) left, the app (outbound) right. */
export function twoTrackWav(inbound: Uint8Array, outbound: Uint8Array): Buffer {
  const length = Math.max(inbound.length, outbound.length);
  const pad = (track: Uint8Array) => {
    const out = new Uint8Array(length).fill(MULAW_SILENCE);
    out.set(track);
    return out;
  };
  const wav = new wavefile.WaveFile();
  wav.fromScratch(2, SAMPLE_RATE, '8m', [pad(inbound), pad(outbound)]);
  return Buffer.from(wav.toBuffer());
}
