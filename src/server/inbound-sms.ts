/**
 * An inbound text, after verification and de-duplication: stored first, then opt-out keywords, then
 * the inbound policy (disabled, allowlist, pairing, open), then the agent. A fast reply goes back in the
 * TwiML answer; a reply slower than agent.replyTimeoutMs goes out through the REST API, exactly once.
 */
import { type Agent, type ReplyWithMedia, replyParts, type Turn } from '../agent/agent.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { splitBody } from '../messaging/chunk.js';
import { keywordOf } from '../messaging/keywords.js';
import { toPlainText } from '../messaging/plain-text.js';
import { recordMessageWithEvents } from '../store/message-log.js';
import type { Store } from '../store/open-store.js';
import { addOptOut, removeOptOut } from '../store/optouts.js';
import type { StoredAnswer } from './dedup.js';
import { type InboundPolicy, isPhoneNumber } from './inbound-policy.js';
import type { Metrics } from './metrics.js';
import { messagingResponse } from '../twilio/twiml.js';
import type { Emit } from './events.js';
import type { InboundLimits } from './inbound-limits.js';
import type { SessionRegistry, TurnPlace } from './sessions.js';
import { createLateReply, type LateReply } from './late-reply.js';
import { claimAnswerReply, replyRequestKey } from './reply-keys.js';
import type { ClaimOwner } from '../store/claims.js';
import type { ReplyPlan } from '../store/reply-plans.js';
import type { MediaHost } from '../messaging/outbound-media.js';
import { hasLocalFile, type ReadyMedia, readyReplyMedia } from './reply-media.js';
import { type InboundMedia, mediaItemsOf } from './inbound-media.js';
import type { MediaItem } from '../messaging/media-fetch.js';


export interface InboundDeps {
  store: Store;
  agent: Agent;
  config: ResolvedConfig;
  policy: InboundPolicy;
  metrics: Metrics;
  /** Texts per sender and in total (serve.inboundLimits). */
  limits: InboundLimits;
  /** Sends a slow reply through the REST API under an idempotency key. */
  sendReply(reply: { to: string; from: string; body: string; key: string; requestKey: string; fingerprint: string; media?: string[]; mediaRecord?: string[] }): Promise<void>;
  /** Late replies going out now, kept in the store (store/reply-plans.ts); failures to record are said, never block the reply. */
  replyPlans?: { begin(plan: ReplyPlan): Promise<void>; end(messageSid: string): Promise<void> };
  /** This process's claims on idempotency keys: a reply in a TwiML answer claims its text's reply key (reply-keys.ts). */
  claims?: ClaimOwner;
  /** Serves the local files an agent attaches (see reply-media.ts); without it only https attachments go. */
  mediaHost?: MediaHost;
  /** Conversations: one turn at a time each, maxConcurrentSessions at once. */
  sessions: SessionRegistry;
  /** Keeps work that outlives the answer, so shutdown can wait for it. */
  background(work: Promise<unknown>): void;
  emit: Emit;
  /** Fetches an admitted sender's MMS media for its turn (inbound-media.ts). */
  media?: InboundMedia;
  /** Where Twilio should post the delivery states of our replies, when a public URL is known. */
  statusCallbackUrl?(): string | undefined;
}

export type InboundParams = Record<string, string | string[]>;

/** A form parameter's (first) value; Twilio repeats keys only for lists. */
export const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

const answerWith = (texts: string[], statusCallback?: string, media: string[] = []): StoredAnswer => ({ status: 200, type: 'text/xml', body: messagingResponse(texts, statusCallback, media) });

/** Texts for another number or Messaging Service are not ours to answer (a shared webhook URL, a forged To). */
function notForUs(p: InboundParams, config: ResolvedConfig): string | undefined {
  const number = config.fromNumber;
  const service = config.twilio.messagingServiceSid;
  if (!number && !service) return undefined;
  const to = one(p.To);
  const via = one(p.MessagingServiceSid);
  if ((number && to === number) || (service && via === service)) return undefined;
  return `To ${to || '(none)'}${via ? ` via ${via}` : ''} is not ${[number, service].filter(Boolean).join(' or ')}`;
}

/**
 * Why a text is refused before anything else: it is for another number, or over an inbound limit.
 * STOP and START are never limited (an opt-out must always work) and do not count.
 */
function refusalOf(p: InboundParams, deps: InboundDeps): { kind: 'not-our-number' | 'sender-limit' | 'total-limit'; reason: string } | undefined {
  const elsewhere = notForUs(p, deps.config);
  if (elsewhere) return { kind: 'not-our-number', reason: elsewhere };
  const keyword = keywordOf(one(p.Body));
  if (keyword === 'stop' || keyword === 'start') return undefined;
  const admitted = deps.limits.admitText(one(p.From));
  return admitted.ok ? undefined : { kind: admitted.limit === 'sender' ? 'sender-limit' : 'total-limit', reason: admitted.reason };
}
/** Without a media fetcher (a server set up without one): the agent is told what it does not get. */
const unfetched = (items: MediaItem[]): Pick<Turn, 'media' | 'mediaUnavailable'> => ({
  media: [],
  mediaUnavailable: items.map((item, index) => ({ index, contentType: item.contentType, reason: 'fetch-failed', notice: `Attachment ${index + 1} was not fetched: this server fetches no media.` })),
});

/**
 * A text that can become a turn takes its place in the conversation's line as it arrives, before the
 * store writes, the policy and the media download: an MMS whose picture downloads slowly keeps its
 * place ahead of a later text, on this instance or another. The place is given back when no turn follows.
 */
export async function handleInboundSms(p: InboundParams, deps: InboundDeps): Promise<StoredAnswer> {
  const from = one(p.From);
  const refusal = refusalOf(p, deps);
  const place = !refusal && isPhoneNumber(from) && !keywordOf(one(p.Body)) ? deps.sessions.arrive(`sms:${from}`) : undefined;
  let handed = false;
  try {
    return await handleText(p, deps, refusal, place && (() => ((handed = true), place)));
  } finally {
    if (!handed) void place?.leave();
  }
}

type Refusal = ReturnType<typeof refusalOf>;

async function handleText(p: InboundParams, deps: InboundDeps, refusal: Refusal, handOverPlace?: () => TurnPlace): Promise<StoredAnswer> {
  const { store, config } = deps;
  // Every reply asks for its delivery states, so the operator learns whether it arrived.
  const answer = (texts: string[] = [], media: string[] = []) => answerWith(texts, deps.statusCallbackUrl?.(), media);
  const from = one(p.From);
  const to = one(p.To);
  const text = one(p.Body);
  const sid = one(p.MessageSid) || one(p.SmsSid);
  // URLs only for now: fetched once the sender is admitted (inbound-media.ts), never for strangers.
  const mediaItems = mediaItemsOf(p);
  const media = mediaItems.map((m) => m.url);
  // One commit (SQLite) or one round trip (PostgreSQL); all are stored before anything else happens.
  await recordMessageWithEvents(
    store,
    { sid, account_sid: one(p.AccountSid) || null, direction: 'inbound', from_number: from, to_number: to, body: text, status: 'received', num_segments: Number(one(p.NumSegments)) || null, error_code: null, refused: refusal?.reason ?? null },
    [{ kind: 'sms.inbound', correlationId: sid, data: { from, to, media: media.length } }, ...(refusal ? [{ kind: 'sms.refused', correlationId: sid, data: { reason: refusal.reason } }] : [])],
  );
  deps.emit('sms.in', { from, to, body: text, ...(media.length ? { media: media.length } : {}) });
  if (refusal) {
    // Stored with its reason (messages list shows it), said on the bus; answered 200 with empty TwiML, so
    // Twilio neither retries it nor texts the sender anything (a reply to a flood could start a loop with another bot).
    deps.emit('sms.refused', { from, to, reason: refusal.reason, kind: refusal.kind });
    return answerWith([]);
  }
  const reply = (texts: string[], media: string[] = []) => {
    for (const body of texts) deps.emit('sms.out', { from: to, to: from, body, via: 'twiml' });
    return answer(texts, media);
  };

  if (!isPhoneNumber(from)) {
    // Stored above for the record; a reply to something that is not a number could only go wrong.
    deps.emit('sms.ignored', { from, reason: 'not-a-phone-number' });
    return answer();
  }
  const keyword = keywordOf(text);
  if (keyword === 'stop') {
    await addOptOut(store, from, 'sms-stop');
    deps.emit('sms.optout', { from });
    return answer();
  }
  if (keyword === 'start') {
    await removeOptOut(store, from);
    deps.emit('sms.optin', { from });
    return answer();
  }
  if (keyword === 'help') {
    if (await deps.policy.mayAnswerHelp(from)) return reply([config.sms.helpText]);
    deps.emit('sms.ignored', { from, reason: 'help-already-answered-or-capped' });
    return answer();
  }

  const decision = await deps.policy.decideInbound(from, 'sms');
  if (decision.kind === 'pairing-code' || (decision.kind === 'ignore' && (decision.reason === 'stranger-cap' || decision.reason === 'code-already-sent'))) {
    const outcome = decision.kind === 'pairing-code' ? 'send-code' : decision.reason === 'stranger-cap' ? 'capped' : 'already-sent';
    deps.emit('pairing.request', { from, outcome });
    return decision.kind === 'pairing-code' ? reply([decision.text]) : answer();
  }
  if (decision.kind === 'ignore') {
    deps.emit('sms.ignored', { from, policy: config.inboundPolicy, reason: decision.reason });
    return answer();
  }

  const sessionId = `sms:${from}`;
  const started = performance.now();
  const chunksOf = (r: string) => splitBody(config.sms.plainText ? toPlainText(r) : r, { mode: config.sms.chunkMode === 'off' ? 'length' : config.sms.chunkMode, maxLength: config.sms.maxLength, numbering: config.sms.segmentNumbering });
  // An attachment-only reply is one message with an empty body.
  const chunks = (text: string | null, withMedia: boolean) => {
    const parts = text ? chunksOf(text) : [];
    return parts.length || !withMedia ? parts : [''];
  };
  const attachments = async ({ media: items, dropped }: ReplyWithMedia) => {
    for (const what of dropped ?? []) deps.emit('warning', { message: `The agent's reply to ${from} had parts that are not sent: ${what}` });
    const ready = await readyReplyMedia(items, [...config.agent.mediaRoots, ...(deps.agent.mediaRoots ?? [])], deps.mediaHost);
    for (const reason of ready.refused) deps.emit('warning', { message: `An attachment of the agent's reply to ${from} was dropped (the text still goes): ${reason}` });
    return ready;
  };
  // Decided below; a reply sent through the API goes out in the turn's place in the conversation.
  const late = createLateReply({ sid, to: from, from: to, parts: chunks, attachments, sendReply: deps.sendReply, emit: deps.emit, plans: deps.replyPlans });
  try {
    return await answerTurn(deps, { sessionId, from, to, text, sid, mediaItems, place: handOverPlace?.(), started }, late, { reply, answer, chunks, attachments });
  } finally {
    late.decide({ via: 'answer' }); // nothing decided (a failure): nothing to send, and the place is not held
  }
}

interface TurnText {
  sessionId: string;
  from: string;
  to: string;
  text: string;
  sid: string;
  mediaItems: MediaItem[];
  place?: TurnPlace;
  started: number;
}

interface Answering {
  reply(texts: string[], media?: string[]): StoredAnswer;
  answer(): StoredAnswer;
  chunks(text: string | null, withMedia: boolean): string[];
  attachments(reply: ReplyWithMedia): Promise<ReadyMedia>;
}

/** The agent's turn, in the conversation's order: its reply in the answer when in time, else through the API. */
async function answerTurn(deps: InboundDeps, t: TurnText, late: LateReply, a: Answering): Promise<StoredAnswer> {
  const { sessionId, from, to, text, sid, place } = t;
  const { config } = deps;
  // A streamed reply is joined here: a text goes out whole (and in order, inside the conversation's turn).
  let entered = false;
  const runTurn = (files: Pick<Turn, 'media' | 'mediaUnavailable'>) => {
    entered = true;
    return deps.sessions.run(sessionId, async () => replyParts(await deps.agent.turn({ channel: 'sms', sessionId, from, to, text, ...files, messageSid: sid })), place, late.sendIfDecided);
  };
  // The place is left by the turn (after its late reply); here only should the turn never start.
  const agentReply = (deps.media ? deps.media.inOrder(sessionId, { items: t.mediaItems, messageSid: sid, from }, runTurn) : runTurn(unfetched(t.mediaItems))).finally(() => void (entered || place?.leave())).then((r) => {
    deps.metrics.observeTurn(performance.now() - t.started);
    return r;
  });
  const timedOut = Symbol('timeout');
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([agentReply, new Promise<typeof timedOut>((r) => (timer = setTimeout(() => r(timedOut), config.agent.replyTimeoutMs)))]).catch((err: Error) => err);
  clearTimeout(timer);
  if (first instanceof Error) {
    deps.emit('agent.error', { from, error: first.message });
    return a.answer();
  }
  if (first !== timedOut) {
    const media = await a.attachments(first);
    if (!hasLocalFile(media)) {
      late.decide({ via: 'answer' });
      const texts = a.chunks(first.text, media.urls.length > 0);
      const refused = deps.claims && texts.length ? await claimAnswerReply(deps.store, deps.claims, { messageSid: sid, to: from, from: to, texts, media: media.urls }) : undefined;
      if (!refused) return a.reply(texts, media.urls);
      deps.emit('reply.failed', { to: from, key: replyRequestKey(sid), error: `not sent: ${refused}`, unsentParts: texts.length });
      return a.answer();
    }
    // A local file's URL carries its secret token, and the deduplicator keeps the TwiML answer for a
    // day: such a reply goes through the REST API instead, and the webhook is answered empty.
    late.decide({ via: 'api', media });
    deps.background(late.sent);
    return a.answer();
  }
  // Slower than the webhook may wait: answer now; the turn sends the reply through the API when it comes.
  deps.emit('agent.slow', { from, replyTimeoutMs: config.agent.replyTimeoutMs });
  late.decide({ via: 'api' });
  deps.background(agentReply.then(() => late.sent, (err: Error) => deps.emit('agent.error', { from, error: err.message })));
  return a.answer();
}
