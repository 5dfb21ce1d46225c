/** `serve` behind a public URL, driven as Twilio would: signed form posts, raw requests, a test agent. */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { isolatedEnv } from './cli.js';

export const ACCOUNT = 'AC' + '1f'.repeat(16);
export const TOKEN = 'a3'.repeat(16);
export const PUBLIC = 'https://bot.example.com';
export const AGENT_TOKEN = 'agent-secret-token-123';

/** An http agent that counts its turns and can be slow. */
export async function startAgent(delayMs = 0) {
  const turns: { text: string; sessionId: string }[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    const turn = JSON.parse(body);
    turns.push(turn);
    if (req.headers.authorization !== `Bearer ${AGENT_TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    await new Promise((r) => setTimeout(r, delayMs));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ reply: `agent heard: ${turn.text}` }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/turn`, turns, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A home for `serve` behind a public URL: this account, policy open, and the test agent's token. */
export const publicServeEnv = (extra: Record<string, string> = {}) =>
  isolatedEnv({
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: TOKEN,
    OPENCLAW_TELEPHONY_PUBLIC_URL: PUBLIC,
    OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open',
    OPENCLAW_TELEPHONY_ALLOW_FROM: '*',
    OPENCLAW_AGENT_TOKEN: AGENT_TOKEN,
    ...extra,
  });

export const smsParams = (over: Record<string, string> = {}) => ({ AccountSid: ACCOUNT, MessageSid: 'SM' + 'ab'.repeat(16), From: '+15550001111', To: '+15550002222', Body: 'hi there', NumMedia: '0', ...over });

export const sign = (url: string, params: Record<string, string>) => twilio.getExpectedTwilioSignature(TOKEN, url, params);

/**
 * A request exactly as written, target and all (fetch would drop a fragment and refuse an
 * absolute-form target), with the answer's status and body.
 */
export function rawPost(base: string, target: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: 'POST', path: target, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
