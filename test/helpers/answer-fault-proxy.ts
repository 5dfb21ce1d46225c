/**
 * A loopback proxy in front of the sandbox that spoils the answers to message creates, as a gateway,
 * a load balancer or a slow Twilio would: the request reaches the sandbox (which creates the message)
 * and then its answer is replaced by a bare 504 page or the connection is dropped; or the request is
 * held before it is passed on, so the message is made only after the client gave up. Other requests
 * (the Messages list) pass through untouched.
 */
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export type AnswerFault = { kind: 'pass' } | { kind: 'status'; status: number } | { kind: 'reset' } | { kind: 'hold'; ms: number };

export interface AnswerFaultProxy {
  url: string;
  /** Creates asked of the proxy (counted on arrival, before any hold). */
  creates: number;
  close(): Promise<void>;
}

const isCreate = (req: IncomingMessage) => req.method === 'POST' && /\/Messages\.json$/.test(req.url ?? '');

export async function startAnswerFaultProxy(upstream: string, faultFor: (body: URLSearchParams) => AnswerFault): Promise<AnswerFaultProxy> {
  const target = new URL(upstream);
  const proxy: AnswerFaultProxy = { url: '', creates: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const fault = isCreate(req) ? faultFor(new URLSearchParams(body.toString())) : { kind: 'pass' as const };
      if (isCreate(req)) proxy.creates++;
      if (fault.kind === 'hold') await new Promise((r) => setTimeout(r, fault.ms)); // the fault itself: Twilio slower than our limit
      const onward = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const answerChunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => answerChunks.push(c));
        answer.on('end', () => {
          if (fault.kind === 'reset') return void req.socket.destroy();
          if (fault.kind === 'status') return void res.writeHead(fault.status, { 'content-type': 'text/html' }).end(`<html><body>${fault.status} Gateway Time-out</body></html>`);
          if (res.socket?.destroyed) return;
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(answerChunks));
        });
      });
      onward.on('error', (err) => res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${err.message}`));
      onward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
