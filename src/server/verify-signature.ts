/**
 * Verification, before anything else: X-Twilio-Signature is checked against every public URL the
 * request may have been sent to (publicUrl, the tunnel's URL, a trusted proxy's forwarded host), each
 * with the forms Twilio may have signed (port, legacy query). Forwarded headers count only from
 * trusted proxies; allowedHosts limits the hosts; the AccountSid must be ours.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { validateSignature, validateSignatureWithBody } from '../twilio/signature.js';

export interface VerifyOptions {
  authToken: string;
  accountSid: string;
  /** Public base URLs, e.g. https://bot.example.com (no path). */
  publicBases: () => string[];
  allowedHosts: readonly string[];
  trustForwardingHeaders: boolean;
  trustedProxies: readonly string[];
  skip: boolean;
}

export interface VerifyFailure {
  reason: string;
  tried: string[];
}

const header = (req: FastifyRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Twilio's form parameters as signed: repeated keys as arrays. */
export function signedParams(body: unknown): Record<string, string | string[]> {
  return body && typeof body === 'object' && !Buffer.isBuffer(body) ? (body as Record<string, string | string[]>) : {};
}

export function verifyTwilioRequest(req: FastifyRequest, o: VerifyOptions): VerifyFailure | undefined {
  const params = signedParams(req.body);
  // Twilio puts AccountSid in every webhook body; a POST without it is not Twilio's (WebSocket upgrades carry no body).
  if (req.method === 'POST' && !params.AccountSid) return { reason: 'no AccountSid in the request', tried: [] };
  if (params.AccountSid !== undefined && params.AccountSid !== o.accountSid) return { reason: `AccountSid ${params.AccountSid} is not this account's`, tried: [] };
  if (o.skip) return undefined;
  const signature = header(req, 'x-twilio-signature');
  if (!signature) return { reason: 'no X-Twilio-Signature header', tried: [] };
  const bases = [...o.publicBases()];
  const fromProxy = o.trustForwardingHeaders && o.trustedProxies.includes(req.socket.remoteAddress ?? '');
  if (fromProxy) {
    const host = header(req, 'x-forwarded-host');
    const proto = header(req, 'x-forwarded-proto') ?? 'https';
    if (host) bases.push(`${proto.split(',')[0].trim()}://${host.split(',')[0].trim()}`);
  }
  // allowedHosts narrows the URLs a signature may be for: a forwarded host outside it counts for nothing.
  const allowed = (b: string) => {
    const host = new URL(b).host;
    return o.allowedHosts.includes(host) || o.allowedHosts.includes(host.split(':')[0]);
  };
  const candidates = o.allowedHosts.length ? bases.filter(allowed) : bases;
  if (!candidates.length) return { reason: `none of the hosts ${bases.map((b) => new URL(b).host).join(', ')} is in webhookSecurity.allowedHosts`, tried: [] };
  const tried = [...new Set(candidates.map((b) => b.replace(/\/+$/, '') + req.url))];
  const isJson = (req.headers['content-type'] ?? '').includes('application/json');
  for (const url of tried) {
    const ok = isJson ? validateSignatureWithBody(o.authToken, signature, url, (req as FastifyRequest & { rawBody?: string }).rawBody ?? '') : validateSignature(o.authToken, signature, url, params);
    if (ok) return undefined;
  }
  return { reason: 'signature mismatch', tried };
}

export function refuse(reply: FastifyReply): FastifyReply {
  return reply.code(403).type('text/plain').send('Forbidden: the request is not signed by Twilio for this server.');
}
