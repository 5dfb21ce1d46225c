/**
 * Runs a call leg's TwiML: fetch the document (signed like every webhook, with the call's fields;
 * 15 s, then the fallback URL), validate it, then carry out its verbs in order against the far end.
 * A document that cannot be fetched (11200) or read (12100, 12200) ends the call after Twilio's
 * "application error" announcement, with a notification the product can read. The end of the last
 * document hangs up.
 */
import type { SandboxContext } from '../context.js';
import { recordNotification, type Problem } from '../notifications.js';
import { MAX_TWIML_DOCUMENTS, VOICE_REDIRECT_LIMIT } from '../twiml-limits.js';
import { elementsOf, parseXml, textOf, type XmlElement } from '../xml.js';
import { type CallRecord, callFields } from './call-record.js';
import { endCall, isEnded, markAnswered } from './call-status.js';
import { CallAborted, speechMs } from './clock.js';
import type { DocSource, Leg, VerbOutcome } from './leg.js';
import { resolveUrl } from './leg.js';
import type { Handset } from './line.js';
import { type LiveCall, liveCalls } from './live-calls.js';
import { addTimeline } from './timeline.js';
import { checkVoiceTwiml } from './twiml-check.js';
import { drawVoiceTimeout } from './voice-faults.js';
import { runVerb } from './verbs/index.js';

export const APPLICATION_ERROR_TEXT = 'We are sorry, an application error has occurred. Goodbye.';

type Loaded = { root: XmlElement; url: string | null } | { problem: Problem; url: string | null };

async function loadDocument(leg: Leg, source: DocSource): Promise<Loaded> {
  const { ctx, call } = leg;
  if ('twiml' in source) return parseChecked(leg, source.twiml, null);
  const params = { ...callFields(ctx, call), ...source.params };
  const timedOut = drawVoiceTimeout(ctx.faults);
  if (timedOut) addTimeline(call, 'fault', `voice-timeout: the answer to ${source.method} ${source.url} is ignored, as if the app took over 15 s (--fault)`, { fault: 'voice-timeout', url: source.url });
  const delivery = await ctx.webhooks.send({
    url: source.url,
    method: source.method,
    params,
    fallbackUrl: source.fallbackUrl,
    fallbackMethod: source.fallbackMethod,
    kind: source.kind ?? 'voice',
    relatedSid: call.sid,
    ignorePrimaryAnswer: timedOut,
  });
  const usedUrl = delivery.attempts.at(-1)?.url ?? source.url;
  const error = delivery.ok ? undefined : (delivery.attempts.at(-1)?.error ?? `HTTP ${delivery.status}`);
  call._documents.push({ url: source.url, twiml: delivery.body ?? '', at: new Date().toISOString(), status: delivery.status, error });
  addTimeline(call, 'webhook', `${source.method} ${usedUrl}: ${delivery.ok ? `answered ${delivery.status}` : `failed (${error})`}${delivery.usedFallback ? ' (fallback)' : ''}`, {
    url: usedUrl,
    params: source.params ?? {},
    status: delivery.status ?? null,
    usedFallback: delivery.usedFallback,
    ms: delivery.attempts.reduce((sum, a) => sum + a.ms, 0),
  });
  ctx.store.put('call', call);
  if (delivery.usedFallback) {
    // The fallback answered, but the primary URL failed: Twilio's debugger still reports it.
    const first = delivery.attempts[0];
    recordNotification(ctx, { code: 11200, message: `HTTP retrieval failure: ${source.url} ${first?.error ?? `HTTP ${first?.status}`}` }, { url: source.url, method: source.method, relatedSid: call.sid });
  }
  if (!delivery.ok) return { problem: { code: 11200, message: `HTTP retrieval failure: ${source.url} ${error}` }, url: source.url };
  return parseChecked(leg, delivery.body ?? '', usedUrl);
}

function parseChecked(leg: Leg, twiml: string, url: string | null): Loaded {
  if (url === null) leg.call._documents.push({ url: null, twiml, at: new Date().toISOString() });
  addTimeline(leg.call, 'twiml', twiml.length > 2000 ? `${twiml.slice(0, 2000)}...` : twiml);
  if (!twiml.trim()) return { root: { name: 'Response', attributes: {}, children: [] }, url };
  let root: XmlElement;
  try {
    root = parseXml(twiml);
  } catch (err) {
    return { problem: { code: 12100, message: `Document parse failure: ${(err as Error).message}` }, url };
  }
  const checked = checkVoiceTwiml(root);
  for (const w of checked.warnings) recordNotification(leg.ctx, w, { url, relatedSid: leg.call.sid });
  return checked.error ? { problem: checked.error, url } : { root, url };
}

/** Verbs that listen to the far end; any other verb drops keys queued before it started. */
const LISTENING = new Set(['Gather', 'Record', 'Dial', 'Connect']);

async function runDocument(leg: Leg, root: XmlElement): Promise<VerbOutcome> {
  for (const verb of elementsOf(root)) {
    if (isEnded(leg.call)) return 'hangup';
    if (verb.name === 'Redirect') return redirect(leg, verb);
    if (verb.name !== 'Reject') leg.answer();
    if (!LISTENING.has(verb.name)) leg.line.dropPending();
    const outcome = await runVerb(leg, verb, leg.signal);
    if (outcome) return outcome;
  }
  return 'hangup';
}

function redirect(leg: Leg, verb: XmlElement): VerbOutcome {
  if (++leg.call._redirects > MAX_TWIML_DOCUMENTS) throw new TwimlFailure(VOICE_REDIRECT_LIMIT);
  return { url: resolveUrl(leg, textOf(verb)), method: verb.attributes.method ?? 'POST', kind: 'voice-redirect' };
}

class TwimlFailure extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

async function applicationError(leg: Leg, problem: Problem, url: string | null): Promise<void> {
  recordNotification(leg.ctx, problem, { url, relatedSid: leg.call.sid });
  addTimeline(leg.call, 'error', `${problem.code}: ${problem.message}`, { code: problem.code });
  if (leg.line.hungUp) return;
  leg.answer();
  const heard = { kind: 'say' as const, text: APPLICATION_ERROR_TEXT };
  leg.line.startHearing(heard);
  addTimeline(leg.call, 'heard', APPLICATION_ERROR_TEXT, { what: 'say' });
  await new Promise((r) => setTimeout(r, speechMs(APPLICATION_ERROR_TEXT) * leg.scale));
  leg.line.endHearing(heard);
}

async function runLoop(leg: Leg, live: LiveCall, first: DocSource): Promise<void> {
  let source: DocSource | undefined = first;
  while (source && !isEnded(leg.call)) {
    live.current = new AbortController();
    leg.signal = live.current.signal;
    const loaded = await loadDocument(leg, source);
    if (live.redirectTo) {
      source = takeRedirect(live);
      continue;
    }
    if (isEnded(leg.call)) return;
    if ('problem' in loaded) return applicationError(leg, loaded.problem, loaded.url);
    if (loaded.url) leg.docUrl = loaded.url;
    try {
      const outcome = await runDocument(leg, loaded.root);
      source = outcome === 'hangup' ? undefined : outcome;
    } catch (err) {
      if (err instanceof TwimlFailure) return applicationError(leg, err.problem, leg.docUrl);
      if (!(err instanceof CallAborted)) throw err;
      source = takeRedirect(live);
    }
  }
}

function takeRedirect(live: LiveCall): DocSource | undefined {
  const next = live.redirectTo ?? undefined;
  live.redirectTo = null;
  return next;
}

export interface StartLegOptions {
  /** The line belongs to another leg too (a <Dial>ed number's app talking to the parent's caller): leave it open at the end. */
  keepLineOpen?: boolean;
  /** Called once the leg has ended (the call record is final). */
  onEnded?: (call: CallRecord) => void;
}

/** Starts running TwiML on an answered outbound call, or on a ringing inbound one (its first verb other than <Reject> answers it). */
export function startLeg(ctx: SandboxContext, call: CallRecord, line: Handset, first: DocSource, opts: StartLegOptions = {}): LiveCall {
  const cleanups: (() => void)[] = [];
  const leg: Leg = {
    ctx,
    call,
    line,
    signal: new AbortController().signal,
    docUrl: 'url' in first ? first.url : null,
    scale: ctx.options.voiceTimeScale,
    answer() {
      if (call.status === 'ringing' || call.status === 'queued') markAnswered(ctx, call);
    },
    onEnd: (fn) => cleanups.push(fn),
  };
  const live: LiveCall = {
    call,
    line,
    current: new AbortController(),
    redirectTo: null,
    done: Promise.resolve(),
    hangup(reason) {
      addTimeline(call, 'note', `hang-up: ${reason}`);
      endCall(ctx, call, call.status === 'in-progress' ? 'completed' : 'canceled');
      live.current.abort('hangup');
    },
  };
  liveCalls(ctx).set(call.sid, live);
  const onCallerHangup = () => {
    addTimeline(call, 'did', 'hung up');
    live.hangup('the far end hung up');
  };
  line.once('hangup', onCallerHangup);
  ctx.later(call._timeLimitS * 1000 * leg.scale, () => !isEnded(call) && live.hangup(`time limit of ${call._timeLimitS} s`));
  live.done = runLoop(leg, live, first)
    .catch((err: Error) => applicationError(leg, { code: 11200, message: `sandbox interpreter failure: ${err.message}` }, leg.docUrl))
    .finally(() => {
      line.off('hangup', onCallerHangup);
      if (!isEnded(call)) endCall(ctx, call, call.status === 'in-progress' ? 'completed' : 'canceled');
      if (!opts.keepLineOpen) line.hangup();
      liveCalls(ctx).delete(call.sid);
      for (const fn of cleanups) fn();
      opts.onEnded?.(call);
    });
  return live;
}
