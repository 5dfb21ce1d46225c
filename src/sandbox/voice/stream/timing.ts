/**
 * Timing facts of a stream, in ms since it started: when the caller's utterance ended, when the app's
 * first audio for the answer arrived after it, and how long after a barge-in began the app's `clear`
 * came. Benchmarks read these from the call's timeline.
 */
export interface StreamTiming {
  /** For each caller utterance: its end, and the app's first audio after it (null if none came). */
  answers: { utteranceEndedMs: number; firstAppAudioMs: number | null; latencyMs: number | null }[];
  /** For each barge-in: when the caller started over the app's audio, and when `clear` arrived. */
  bargeIns: { startedMs: number; clearMs: number | null; latencyMs: number | null }[];
  /** The caller's frame clock: when frames went out against their schedule (start + n x 20 ms). */
  pacing: { frames: number; firstSentMs: number | null; lastSentMs: number | null; maxLateMs: number; endLateMs: number | null };
}

export class TimingFacts {
  private answers: StreamTiming['answers'] = [];
  private bargeIns: StreamTiming['bargeIns'] = [];
  private pacing: StreamTiming['pacing'] = { frames: 0, firstSentMs: null, lastSentMs: null, maxLateMs: 0, endLateMs: null };

  /** Frame `chunk` was due at chunk x 20 ms and went out at `sentMs` (both since the stream started). */
  frameSent(chunk: number, sentMs: number): void {
    const late = Math.round((sentMs - chunk * 20) * 10) / 10;
    const p = this.pacing;
    p.frames++;
    p.firstSentMs ??= Math.round(sentMs * 10) / 10;
    p.lastSentMs = Math.round(sentMs * 10) / 10;
    p.maxLateMs = Math.max(p.maxLateMs, late);
    p.endLateMs = late;
  }

  utteranceEnded(ms: number): void {
    this.answers.push({ utteranceEndedMs: ms, firstAppAudioMs: null, latencyMs: null });
  }

  appAudio(ms: number): void {
    const last = this.answers.at(-1);
    if (last && last.firstAppAudioMs === null) Object.assign(last, { firstAppAudioMs: ms, latencyMs: ms - last.utteranceEndedMs });
  }

  bargeInStarted(ms: number): void {
    this.bargeIns.push({ startedMs: ms, clearMs: null, latencyMs: null });
  }

  clearArrived(ms: number): void {
    const last = this.bargeIns.at(-1);
    if (last && last.clearMs === null) Object.assign(last, { clearMs: ms, latencyMs: ms - last.startedMs });
  }

  summary(): StreamTiming {
    return { answers: this.answers, bargeIns: this.bargeIns, pacing: this.pacing };
  }
}
