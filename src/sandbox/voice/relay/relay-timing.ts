/**
 * Timing facts of a ConversationRelay session, in ms since it opened: for each prompt, when the app's
 * first text after it arrived; for each interrupt, when it was sent and how much speech it cut.
 * They land in the call's timeline when the session ends, as media streams' do.
 */
export interface RelayTimingSummary {
  /** For each prompt: when it was sent, and the app's first `text` after it (null if none came). */
  answers: { promptMs: number; firstTextMs: number | null; latencyMs: number | null }[];
  interrupts: { atMs: number; durationUntilInterruptMs: number }[];
}

export class RelayTiming {
  private answers: RelayTimingSummary['answers'] = [];
  private interrupts: RelayTimingSummary['interrupts'] = [];

  prompted(ms: number): void {
    this.answers.push({ promptMs: ms, firstTextMs: null, latencyMs: null });
  }

  appText(ms: number): void {
    const last = this.answers.at(-1);
    if (last && last.firstTextMs === null) Object.assign(last, { firstTextMs: ms, latencyMs: ms - last.promptMs });
  }

  interrupted(ms: number, durationUntilInterruptMs: number): void {
    this.interrupts.push({ atMs: ms, durationUntilInterruptMs });
  }

  summary(): RelayTimingSummary {
    return { answers: this.answers, interrupts: this.interrupts };
  }
}
