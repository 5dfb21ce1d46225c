/**
 * Recording media the sandbox serves: a real 8 kHz mono WAV (16-bit PCM, a 440 Hz tone with pauses,
 * so players and transcoders have something to chew on), and an MP3 of the same length made of
 * silent MPEG-1 Layer III frames (valid frames, no encoder needed).
 */
export function toneWav(seconds: number, sampleRate = 8000): Buffer {
  const samples = Math.max(1, Math.round(seconds * sampleRate));
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const t = i / sampleRate;
    const on = Math.floor(t * 2) % 2 === 0; // half a second of tone, half of quiet
    data.writeInt16LE(on ? Math.round(8000 * Math.sin(2 * Math.PI * 440 * t)) : 0, i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

// MPEG-1 Layer III, no CRC, 32 kbit/s, 32 kHz, mono: 144 * 32000 / 32000 = 144 bytes a frame, 1152 samples.
const FRAME_HEADER = Buffer.from([0xff, 0xfb, 0x18, 0xc0]);
const FRAME_BYTES = 144;

export function silentMp3(seconds: number): Buffer {
  const frames = Math.max(1, Math.ceil((seconds * 32000) / 1152));
  const frame = Buffer.alloc(FRAME_BYTES);
  FRAME_HEADER.copy(frame);
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}
