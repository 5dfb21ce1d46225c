/**
 * Voice faults for `--fault`, in the same `name:amount` family as the REST faults:
 * - `call-busy:5%`, `call-no-answer:5%`, `call-failed:2%`: outbound calls (REST and `<Dial>`) that
 *   end so instead of being answered;
 * - `voice-timeout:10%`: TwiML fetches whose answer is ignored, as when the app takes longer than
 *   Twilio's 15 s (at once, without the wait): the fallback URL, else the application error and 11200;
 * - `stream-drop:20%@5s`: media streams the sandbox cuts abruptly (no `stop`, no close frame) that
 *   long after they opened (default 5 s): stream-error, and a `<Connect>` goes on as when a socket closes;
 * - `packet-loss:3%`: caller media frames never sent;
 * - `jitter:40ms`: every stream message sent up to that much later than its schedule, order kept;
 * - `echo:30%@120ms`: the app's own stream audio mixed back into the caller's track at that amplitude,
 *   that much later (default 120 ms), as a speakerphone does;
 * - `seed:42`: the voice faults draw from a seeded generator, so a run can be repeated exactly.
 */
import { UserError } from '../../errors.js';

export type CallFaultStatus = 'busy' | 'no-answer' | 'failed';

export interface VoiceFaults {
  /** Outbound calls that end this way instead of being answered (`call-busy:5%`, ...). */
  callOutcomes?: { status: CallFaultStatus; probability: number }[];
  /** Share of TwiML fetches treated as unanswered within the time limit. */
  voiceTimeout?: number;
  /** Share of media streams cut abruptly, and after how long. */
  streamDrop?: { probability: number; afterMs: number };
  /** Share of the caller's media frames not sent. */
  packetLoss?: number;
  /** Upper bound of the random delay added to each stream message. */
  jitterMs?: number;
  /** The app's audio back in the caller's track: amplitude share (0..1) and delay. */
  echo?: { gain: number; delayMs: number };
  /** Seed of the voice faults' draws. */
  seed?: number;
}

export const VOICE_FAULTS_HINT =
  'Voice faults: call-busy|call-no-answer|call-failed:PERCENT%, voice-timeout:PERCENT%, stream-drop:PERCENT%[@DURATION], packet-loss:PERCENT%, jitter:DURATION (up to 1000ms), echo:PERCENT%[@DURATION] (20ms to 2000ms) and seed:N, e.g. "call-busy:10%,packet-loss:3%,jitter:40ms,echo:30%@120ms,seed:7".';

const PERCENT = '(\\d+(?:\\.\\d+)?)%';
const DURATION = '(\\d+(?:\\.\\d+)?)(ms|s)';

function share(text: string): number {
  const value = Number(text);
  if (value > 100) throw new RangeError('over 100%');
  return value / 100;
}

function ms(amount: string, unit: string): number {
  return Number(amount) * (unit === 's' ? 1000 : 1);
}

function within(value: number, min: number, max: number): number {
  if (value < min || value > max) throw new RangeError(`outside ${min}..${max}`);
  return value;
}

/** Reads one `--fault` part into `out` when it names a voice fault; false when it is not one. */
export function readVoiceFault(out: VoiceFaults, part: string): boolean {
  const [name] = part.split(':');
  const readers: Record<string, RegExp> = {
    'call-busy': new RegExp(`^call-busy:${PERCENT}$`),
    'call-no-answer': new RegExp(`^call-no-answer:${PERCENT}$`),
    'call-failed': new RegExp(`^call-failed:${PERCENT}$`),
    'voice-timeout': new RegExp(`^voice-timeout:${PERCENT}$`),
    'stream-drop': new RegExp(`^stream-drop:${PERCENT}(?:@${DURATION})?$`),
    'packet-loss': new RegExp(`^packet-loss:${PERCENT}$`),
    jitter: new RegExp(`^jitter:${DURATION}$`),
    echo: new RegExp(`^echo:${PERCENT}(?:@${DURATION})?$`),
    seed: /^seed:(\d{1,10})$/,
  };
  if (!(name in readers)) return false;
  const m = readers[name].exec(part);
  try {
    if (!m) throw new RangeError('not of its form');
    applyVoiceFault(out, name, m);
  } catch {
    throw new UserError(`--fault: cannot read "${part}"`, { code: 'invalid_fault', hint: VOICE_FAULTS_HINT });
  }
  return true;
}

function applyVoiceFault(out: VoiceFaults, name: string, m: RegExpExecArray): void {
  if (name.startsWith('call-')) {
    out.callOutcomes = [...(out.callOutcomes ?? []), { status: name.slice(5) as CallFaultStatus, probability: share(m[1]) }];
  } else if (name === 'voice-timeout') out.voiceTimeout = share(m[1]);
  else if (name === 'stream-drop') out.streamDrop = { probability: share(m[1]), afterMs: m[2] ? within(ms(m[2], m[3]), 0, 3_600_000) : 5000 };
  else if (name === 'packet-loss') out.packetLoss = share(m[1]);
  else if (name === 'jitter') out.jitterMs = within(ms(m[1], m[2]), 1, 1000);
  else if (name === 'echo') out.echo = { gain: share(m[1]), delayMs: m[2] ? within(ms(m[2], m[3]), 20, 2000) : 120 };
  else out.seed = Number(m[1]);
}

export type Random = () => number;

/** mulberry32: a small, fast generator; good enough for fault draws, and the same on every machine. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const generators = new WeakMap<VoiceFaults, Random>();

/** The random source of a sandbox's voice faults: seeded with `seed:N`, else Math.random. */
export function faultRandom(spec: VoiceFaults): Random {
  if (spec.seed === undefined) return Math.random;
  let random = generators.get(spec);
  if (!random) generators.set(spec, (random = seededRandom(spec.seed)));
  return random;
}

/** A source of its own for one stream's per-frame draws (seeded from the sandbox's source when seeded). */
export function streamRandom(spec: VoiceFaults): Random {
  return spec.seed === undefined ? Math.random : seededRandom(Math.floor(faultRandom(spec)() * 4294967296));
}

/** How an outbound call ends instead of being answered, if a call fault is drawn. */
export function drawCallFault(spec: VoiceFaults, random: Random = faultRandom(spec)): CallFaultStatus | undefined {
  if (!spec.callOutcomes?.length) return undefined;
  let r = random();
  for (const { status, probability } of spec.callOutcomes) {
    if (r < probability) return status;
    r -= probability;
  }
  return undefined;
}

/** Whether this TwiML fetch is to be treated as unanswered within the time limit. */
export function drawVoiceTimeout(spec: VoiceFaults): boolean {
  return Boolean(spec.voiceTimeout) && faultRandom(spec)() < spec.voiceTimeout!;
}
