/**
 * The sandbox's own endpoints under /sandbox/v1 (not Twilio's API): its account for `--sandbox`,
 * simulated handsets that text the account's numbers and read what they received, and what the
 * sandbox sent (webhooks, notifications, the TwiML calls fetched) for tests and debugging.
 */
import type { SandboxContext } from './context.js';
import { type ApiRequest, notFound, type Router, SandboxApiError } from './http.js';
import { type Attachment, receiveText } from './inbound.js';
import type { CallRecord } from './resources/calls.js';
import type { MessageRecord } from './resources/messages.js';
import type { NumberRecord } from './resources/numbers.js';
import { registerVoiceControl } from './voice/control-routes.js';
import { registerMediaControl } from './resources/media.js';

export function sandboxAccountView(ctx: SandboxContext) {
  return {
    baseUrl: ctx.baseUrl,
    accountSid: ctx.account.sid,
    authToken: ctx.account.authToken,
    apiKeySid: ctx.account.apiKeySid,
    apiKeySecret: ctx.account.apiKeySecret,
    messagingServiceSid: ctx.account.messagingServiceSid,
    numbers: ctx.store.list<NumberRecord>('number').map((n) => ({ phoneNumber: n.phone_number, sid: n.sid, smsUrl: n.sms_url, voiceUrl: n.voice_url })),
  };
}

export function inboxOf(ctx: SandboxContext, handset: string) {
  return ctx.store
    .list<MessageRecord>('message')
    .filter((m) => m.to === handset && m.direction !== 'inbound' && m.status === 'delivered')
    .map((m) => ({ sid: m.sid, from: m.from, to: m.to, body: m.body, media: m._media, fetchedMedia: m._fetchedMedia ?? [], dateSent: m.date_sent }));
}

/**
 * What a handset attaches, in order: a JSON body's `Media: [{url} | {contentType, data (base64)}]` (a
 * form cannot carry files). Checked here so a bad item is refused before anything is stored.
 */
function attachmentsOf(req: ApiRequest): Attachment[] {
  if (!(req.headers['content-type'] ?? '').includes('json')) return [];
  const items = (JSON.parse(req.body || '{}') as { Media?: unknown }).Media ?? [];
  if (!Array.isArray(items)) throw new SandboxApiError(400, 20001, 'Media must be a list of {url} or {contentType, data}.');
  return items.map((item: { url?: unknown; contentType?: unknown; data?: unknown }, i) => {
    if (typeof item?.url === 'string') return { url: item.url };
    if (typeof item?.contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(item.contentType)) throw new SandboxApiError(400, 20001, `Media[${i}].contentType must be a MIME type such as image/jpeg.`);
    if (typeof item.data !== 'string') throw new SandboxApiError(400, 20001, `Media[${i}].data must be the file's bytes in base64.`);
    return { contentType: item.contentType, data: Buffer.from(item.data, 'base64') };
  });
}

export function registerControl(router: Router, ctx: SandboxContext): void {
  registerVoiceControl(router, ctx);
  registerMediaControl(router, ctx);
  router.on('GET', '/sandbox/v1/account', () => ({ status: 200, json: sandboxAccountView(ctx) }));
  router.on('GET', '/sandbox/v1/health', () => ({ status: 200, json: { ok: true, queued: ctx.pacer.pending(), ...ctx.requests } }));
  router.on('POST', '/sandbox/v1/handsets/:Phone/messages', async (req) => {
    const to = req.form.get('To');
    if (!to) throw new SandboxApiError(400, 21604, "A 'To' phone number is required.");
    const { message, processed } = receiveText(ctx, { from: req.params.Phone, to, body: req.form.get('Body') ?? '', media: req.form.getAll('MediaUrl'), attachments: attachmentsOf(req) });
    const webhook = req.query.get('wait') === 'false' ? undefined : await processed;
    return {
      status: 201,
      json: {
        sid: message.sid,
        from: message.from,
        to: message.to,
        body: message.body,
        webhook: webhook ? { url: webhook.url, ok: webhook.ok, status: webhook.status ?? null, attempts: webhook.attempts, usedFallback: webhook.usedFallback } : null,
      },
    };
  });
  router.on('GET', '/sandbox/v1/handsets/:Phone/inbox', (req) => ({ status: 200, json: { handset: req.params.Phone, messages: inboxOf(ctx, req.params.Phone) } }));
  router.on('GET', '/sandbox/v1/webhooks', (req) => {
    const kind = req.query.get('kind');
    const related = req.query.get('relatedSid');
    return { status: 200, json: { webhooks: ctx.webhooks.deliveries().filter((d) => (!kind || d.kind === kind) && (!related || d.relatedSid === related)) } };
  });
  router.on('GET', '/sandbox/v1/notifications', () => ({ status: 200, json: { notifications: ctx.store.list('notification') } }));
  router.on('GET', '/sandbox/v1/calls/:Sid/documents', (req) => {
    const call = ctx.store.get<CallRecord>('call', req.params.Sid);
    if (!call) throw notFound(req.path);
    return { status: 200, json: { callSid: call.sid, status: call.status, documents: call._documents } };
  });
}
