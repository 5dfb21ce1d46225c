/**
 * The sandbox's voice commands: `sandbox call` (a handset calls one of its numbers, optionally
 * scripted, and the transcript prints turn by turn), `sandbox calls` (calls and their timelines) and
 * `sandbox handset` (bind a script to a handset number for outbound calls).
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { locateSandbox } from '../../discovery/sandbox-registry.js';
import { parseScript, ScriptError } from '../../sandbox/voice/script.js';
import { safeForTerminal } from '../../text/terminal-safe.js';
import { callSandboxControl, fetchSandboxAccount } from '../../twilio/access.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output.js';
import { commandPrefix } from '../../command-prefix.js';
import { sandboxNumber } from './sandbox-number.js';

interface TimelineEntry {
  t: number;
  kind: string;
  text: string;
  /** On `heard`: the caller talked over it (ConversationRelay) and heard only this much. */
  cut?: boolean;
}

interface CallView {
  callSid: string;
  status: string;
  direction: string;
  from: string;
  to: string;
  duration: string | null;
  script: { ok: boolean; stepsDone: number; failure?: string } | null;
  timeline: TimelineEntry[];
}

const ENDED = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];
const POLL_MS = 100;

async function control(path: string, form?: URLSearchParams): Promise<unknown> {
  const res = await callSandboxControl(locateSandbox(process.env.OPENCLAW_TELEPHONY_SANDBOX_URL), path, form ? { method: 'POST', form } : {});
  const body = res.body as { message?: string };
  if (res.status >= 400) {
    throw new UserError(`The sandbox refused: ${safeForTerminal(body.message ?? res.status)}`, { code: 'sandbox_refused', hint: 'Call one of the numbers `' + commandPrefix() + ' sandbox` printed, from an E.164 handset number.' });
  }
  return body;
}

/** The script text to send: a file read and checked here (errors name the file), or steps made from the flags. */
function scriptText(opts: Record<string, unknown>): string {
  const file = opts.script as string | undefined;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`Cannot read the script ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { code: 'script_unreadable', hint: 'Give the path of a JSON5 handset script (see docs/sandbox-voice.md).' });
    }
    checkScript(text, file);
    return text;
  }
  const steps: unknown[] = [];
  // Each --say and --digits waits until the app has said something, as a person waits for a prompt.
  for (const say of (opts.say as string[] | undefined) ?? []) steps.push({ expect: '/./' }, { say });
  if (opts.digits) steps.push({ expect: '/./' }, { press: String(opts.digits) });
  const text = JSON.stringify({ steps });
  checkScript(text, '--say/--digits');
  return text;
}

function checkScript(text: string, origin: string): void {
  try {
    parseScript(text, origin);
  } catch (err) {
    if (err instanceof ScriptError) throw new UserError(err.message, { code: 'invalid_script', hint: 'See docs/sandbox-voice.md for the script format.' });
    throw err;
  }
}

function turnLine(e: TimelineEntry): string | undefined {
  const seconds = (e.t / 1000).toFixed(1).padStart(6);
  if (e.kind === 'heard') return `${seconds}s  app: ${safeForTerminal(e.text, { max: 500 })}${e.cut === true ? ' [interrupted]' : ''}`;
  if (e.kind === 'did') return `${seconds}s  you: ${safeForTerminal(e.text, { max: 500 })}`;
  if (e.kind === 'error') return `${seconds}s  error ${safeForTerminal(e.text, { max: 500 })}`;
  if (e.kind === 'status') return `${seconds}s  [${safeForTerminal(e.text)}]`;
  // Injected faults (`sandbox --fault`) are part of what happened to the call.
  if (e.kind === 'fault') return `${seconds}s  fault: ${safeForTerminal(e.text, { max: 300 })}`;
  return undefined;
}

export async function sandboxCall(ctx: CommandContext): Promise<number> {
  const { opts, out } = ctx;
  // Without --to the handset calls the sandbox's first number, as --help says (it sent "undefined").
  const from = sandboxNumber(opts.from as string, '--from (the handset)', 'from');
  const to = opts.to !== undefined ? sandboxNumber(opts.to as string, '--to (a sandbox number)', 'to') : (await fetchSandboxAccount(locateSandbox(process.env.OPENCLAW_TELEPHONY_SANDBOX_URL))).numbers[0].phoneNumber;
  const form = new URLSearchParams({ From: from, To: to, Script: scriptText(opts) });
  let view = (await control('/sandbox/v1/calls', form)) as CallView;
  if (!out.json) out.stdout.write(`Calling ${safeForTerminal(view.to)} from ${safeForTerminal(view.from)} (${view.callSid})\n`);
  let shown = 0;
  for (;;) {
    view = (await control(`/sandbox/v1/calls/${view.callSid}/timeline`)) as CallView;
    if (!out.json) {
      for (const e of view.timeline.slice(shown)) {
        const line = turnLine(e);
        if (line) out.stdout.write(`${line}\n`);
      }
      shown = view.timeline.length;
    }
    if (ENDED.includes(view.status) && view.script) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const ok = view.script.ok && view.status === 'completed';
  if (out.json) out.line(view);
  else out.stdout.write(ok ? `Call ${view.status}; the script completed.\n` : `Call ${view.status}; ${safeForTerminal(view.script.failure ?? 'the call did not complete')}\n`);
  return ok ? 0 : 1;
}

export async function sandboxCalls(ctx: CommandContext, sid?: string): Promise<number> {
  const { out } = ctx;
  if (sid) {
    const view = (await control(`/sandbox/v1/calls/${encodeURIComponent(sid)}/timeline`)) as CallView;
    out.result(view, () => view.timeline.map((e) => turnLine(e) ?? `${(e.t / 1000).toFixed(1).padStart(6)}s  ${e.kind}: ${safeForTerminal(e.text, { max: 300 })}`).join('\n'));
    return 0;
  }
  const { calls } = (await control('/sandbox/v1/calls')) as { calls: CallView[] };
  out.result({ calls }, () =>
    calls.length
      ? formatTable([['CALL', 'FROM', 'TO', 'DIRECTION', 'STATUS', 'SECONDS', 'SCRIPT'], ...calls.map((c) => [c.callSid, c.from, c.to, c.direction, c.status, c.duration ?? '', c.script ? (c.script.ok ? 'ok' : 'failed') : ''])])
      : 'No calls yet.',
  );
  return 0;
}

export async function sandboxHandset(ctx: CommandContext, phoneText: string): Promise<number> {
  const { opts, out } = ctx;
  const phone = sandboxNumber(phoneText, 'The handset number', 'handset');
  const path = `/sandbox/v1/handsets/${encodeURIComponent(phone)}/script`;
  if (opts.clear) {
    await callSandboxControl(locateSandbox(process.env.OPENCLAW_TELEPHONY_SANDBOX_URL), path, { method: 'POST', form: new URLSearchParams({ Clear: 'true' }) });
    out.result({ handset: phone, script: null }, () => `${phone} answers unscripted again.`);
    return 0;
  }
  if (!opts.script) throw new UserError('sandbox handset needs --script <file> (or --clear)', { code: 'missing_script', hint: `e.g. ${commandPrefix()} sandbox handset ${phone} --script examples/voice/answer.json5 (a person who answers, from a clone of the repository; docs/sandbox-voice.md describes scripts)` });
  const bound = (await control(path, new URLSearchParams({ Script: scriptText(opts) }))) as { steps: number; answeredBy: string };
  out.result(bound, () => `Outbound calls to ${phone} are answered by ${String(opts.script)} (${bound.steps} steps, answeredBy ${bound.answeredBy}).`);
  return 0;
}
