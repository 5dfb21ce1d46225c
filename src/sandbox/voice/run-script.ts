/**
 * Plays a handset script against a live call: waits for what it expects to hear, presses, speaks,
 * barges in, hangs up. A failed `expect` hangs up and names what was heard instead.
 */
import { CallAborted, sleep } from './clock.js';
import { describeHeard, type Handset, type HearEvent, hungUpPromise } from './line.js';
import type { HandsetScript, Step } from './script.js';

export interface ScriptResult {
  ok: boolean;
  /** Steps carried out (all of them when ok). */
  stepsDone: number;
  failure?: string;
}

/** What the handset heard in full, in order; `expect` consumes it up to the first match. */
class HeardLog {
  items: string[] = [];
  cursor = 0;
  constructor(private readonly handset: Handset) {
    handset.on('hear', (e: HearEvent) => {
      // A reply cut before its first word was not heard at all.
      const text = describeHeard(e.heard);
      if (e.phase === 'end' && text) this.items.push(text);
    });
  }

  private matchFrom(pattern: RegExp): boolean {
    for (let i = this.cursor; i < this.items.length; i++) {
      if (pattern.test(this.items[i])) {
        this.cursor = i + 1;
        return true;
      }
    }
    return false;
  }

  /** Resolves true once something heard matches, false at the deadline or when the line closes. */
  waitFor(pattern: RegExp, ms: number): Promise<boolean> {
    if (this.matchFrom(pattern)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.handset.off('hear', onHear);
        this.handset.off('hangup', onHangup);
        resolve(ok);
      };
      const onHear = (e: HearEvent) => e.phase === 'end' && queueMicrotask(() => this.matchFrom(pattern) && finish(true));
      const onHangup = () => finish(this.matchFrom(pattern));
      const timer = setTimeout(() => finish(false), ms);
      this.handset.on('hear', onHear);
      this.handset.once('hangup', onHangup);
    });
  }

  since(): string {
    const rest = this.items.slice(this.cursor);
    return rest.length ? rest.map((t) => `"${t}"`).join(', ') : 'nothing';
  }
}

/** Waits until the app is talking to the handset (or already is): words, sounds or stream audio; false at the deadline. */
function appTalking(handset: Handset, ms: number): Promise<boolean> {
  if (handset.speaking || handset.appAudioPlaying) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onHear = (e: HearEvent) => e.phase === 'start' && finish(true);
    const onTalking = (playing: boolean) => playing && finish(true);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      handset.off('hear', onHear);
      handset.off('talking', onTalking);
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), ms);
    handset.on('hear', onHear);
    handset.on('talking', onTalking);
  });
}

async function runStep(handset: Handset, log: HeardLog, step: Step, scale: number): Promise<string | undefined> {
  if ('expect' in step) {
    // `within` is a deadline in real seconds: a match resolves at once, and webhooks take real time whatever the scale.
    const ok = await log.waitFor(step.pattern, step.within * 1000);
    return ok ? undefined : `expected to hear ${step.expect} within ${step.within} s; heard ${log.since()}${handset.hungUp ? ' before the call ended' : ''}`;
  }
  if ('say' in step) handset.speak(step.say);
  else if ('press' in step) handset.press(step.press.replace(/w/gi, ''));
  else if ('wait' in step) await sleep(step.wait * 1000 * scale);
  else if ('interrupt' in step) {
    if (!(await appTalking(handset, step.within * 1000))) return `wanted to interrupt the app within ${step.within} s, but it was not talking`;
    handset.speak(step.interrupt);
  } else handset.hangup();
  return undefined;
}

export async function runScript(handset: Handset, script: HandsetScript, scale: number): Promise<ScriptResult> {
  const log = new HeardLog(handset);
  let done = 0;
  try {
    for (const step of script.steps) {
      if (handset.hungUp && !('expect' in step)) return { ok: false, stepsDone: done, failure: `the call ended before step ${done + 1}` };
      const failure = await runStep(handset, log, step, scale);
      if (failure) {
        handset.hangup();
        return { ok: false, stepsDone: done, failure: `step ${done + 1}: ${failure}` };
      }
      done++;
    }
  } catch (err) {
    if (!(err instanceof CallAborted)) throw err;
  }
  // Stay on the line a while for the app to finish and hang up, as a person would. The linger's
  // sleep is aborted (a rejection) once the race is decided: that is its normal end, not an error.
  const linger = new AbortController();
  await Promise.race([hungUpPromise(handset), sleep(script.linger * 1000 * scale, linger.signal).catch(() => undefined)]);
  linger.abort('done');
  handset.hangup();
  return { ok: true, stepsDone: done };
}
