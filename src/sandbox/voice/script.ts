/**
 * Handset scripts: what a simulated phone expects to hear and does, step by step. Written in JSON5:
 *
 *   { answeredBy: "human", steps: [ { expect: "main menu", within: 10 }, { press: "2" },
 *     { say: "I want to book a table" }, { wait: 1 }, { interrupt: "stop" }, { hangup: true } ] }
 *
 * (a bare array of steps works too). `expect` takes text (matched case-insensitively inside what was
 * heard) or "/regex/flags". See docs/sandbox-voice.md.
 */
import JSON5 from 'json5';

export type Step =
  | { expect: string; pattern: RegExp; within: number }
  | { say: string }
  | { press: string }
  | { wait: number }
  | { interrupt: string; within: number }
  | { hangup: true };

export interface HandsetScript {
  steps: Step[];
  /** What machine detection reports when this handset answers an outbound call. @default human */
  answeredBy: string;
  /** Seconds the handset stays on the line after its last step, waiting for the app to hang up. @default 30 */
  linger: number;
}

export const ANSWERED_BY = ['human', 'machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax', 'unknown'];
const DEFAULT_WITHIN_S = 10;
const ACTIONS = ['expect', 'say', 'press', 'wait', 'interrupt', 'hangup'];

export class ScriptError extends Error {}

function patternOf(text: string): RegExp {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (m) return new RegExp(m[1], m[2]);
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
}

function stepOf(raw: unknown, i: number): Step {
  const where = `step ${i + 1}`;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ScriptError(`${where} is not an object: write e.g. { say: "hello" }`);
  const obj = raw as Record<string, unknown>;
  const actions = Object.keys(obj).filter((k) => ACTIONS.includes(k));
  const unknown = Object.keys(obj).filter((k) => !ACTIONS.includes(k) && k !== 'within');
  if (unknown.length) throw new ScriptError(`${where}: unknown key "${unknown[0]}" (steps are ${ACTIONS.join(', ')}; "within" goes with expect and interrupt)`);
  if (actions.length !== 1) throw new ScriptError(`${where}: give exactly one of ${ACTIONS.join(', ')} (found ${actions.length})`);
  const action = actions[0];
  const value = obj[action];
  const within = obj.within === undefined ? DEFAULT_WITHIN_S : Number(obj.within);
  if (!Number.isFinite(within) || within <= 0) throw new ScriptError(`${where}: "within" must be a number of seconds above 0`);
  const text = () => {
    if (typeof value !== 'string' || !value.trim()) throw new ScriptError(`${where}: ${action} needs a non-empty text`);
    return value;
  };
  switch (action) {
    case 'expect': {
      const t = text();
      try {
        return { expect: t, pattern: patternOf(t), within };
      } catch (err) {
        throw new ScriptError(`${where}: ${t} is not a valid regular expression (${(err as Error).message})`);
      }
    }
    case 'say':
      return { say: text() };
    case 'press':
      if (!/^[0-9*#wW]+$/.test(text())) throw new ScriptError(`${where}: press takes keys 0-9, * and # (w waits half a second), not "${String(value)}"`);
      return { press: text() };
    case 'wait':
      if (typeof value !== 'number' || !(value >= 0)) throw new ScriptError(`${where}: wait takes a number of seconds, e.g. { wait: 1.5 }`);
      return { wait: value };
    case 'interrupt':
      return { interrupt: text(), within };
    default:
      if (value !== true) throw new ScriptError(`${where}: write { hangup: true }`);
      return { hangup: true };
  }
}

/** Reads a script; errors name the step and the fix. */
export function parseScript(source: string, origin = 'the script'): HandsetScript {
  let doc: unknown;
  try {
    doc = JSON5.parse(source);
  } catch (err) {
    throw new ScriptError(`${origin} is not valid JSON5: ${(err as Error).message}`);
  }
  return scriptFrom(doc, origin);
}

export function scriptFrom(doc: unknown, origin = 'the script'): HandsetScript {
  const obj = (Array.isArray(doc) ? { steps: doc } : doc) as Record<string, unknown> | null;
  if (!obj || typeof obj !== 'object' || !Array.isArray(obj.steps)) throw new ScriptError(`${origin} needs a list of steps: { steps: [ { expect: "..." }, { press: "1" } ] }`);
  const answeredBy = obj.answeredBy === undefined ? 'human' : String(obj.answeredBy);
  if (!ANSWERED_BY.includes(answeredBy)) throw new ScriptError(`${origin}: answeredBy must be one of ${ANSWERED_BY.join(', ')}`);
  const linger = obj.linger === undefined ? 30 : Number(obj.linger);
  if (!Number.isFinite(linger) || linger < 0) throw new ScriptError(`${origin}: linger must be a number of seconds`);
  return { steps: obj.steps.map(stepOf), answeredBy, linger };
}

/** Builds a script from the `sandbox call` flags: each --say waits for the app to talk first, then --digits. */
export function scriptFromFlags(says: string[], digits: string | undefined): HandsetScript {
  const steps: Step[] = [];
  for (const s of says) steps.push({ expect: '/./', pattern: /./, within: DEFAULT_WITHIN_S }, { say: s });
  if (digits) steps.push({ expect: '/./', pattern: /./, within: DEFAULT_WITHIN_S }, { press: digits });
  return { steps, answeredBy: 'human', linger: 30 };
}
