/** A real HTTP server on port 0 that records the webhooks it gets and answers as each test says. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  method: string;
  path: string;
  url: string;
  headers: IncomingHttpHeaders;
  params: Record<string, string | string[]>;
  at: number;
}

export type Answer = { status?: number; body?: string; contentType?: string; delayMs?: number };

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Decide the answer per request; default: 200 with an empty TwiML response. */
  answer: (req: ReceivedWebhook) => Answer | Promise<Answer>;
  close(): Promise<void>;
}

export function formParams(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    received,
    answer: () => ({ status: 200, body: '<Response/>', contentType: 'text/xml' }),
    close: async () => {},
  };
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const url = `${receiver.url}${req.url}`;
    const hook: ReceivedWebhook = { method: req.method ?? '', path: (req.url ?? '').split('?')[0], url, headers: req.headers, params: formParams(text), at: Date.now() };
    received.push(hook);
    const a = await receiver.answer(hook);
    if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
    if (res.destroyed) return;
    res.writeHead(a.status ?? 200, { 'content-type': a.contentType ?? 'text/xml' });
    res.end(a.body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return receiver;
}
