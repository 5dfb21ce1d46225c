/**
 * One HTTP request on node:http or node:https, with keep-alive, a total time limit, and the whole
 * answer read into memory (Twilio's answers are small JSON; recordings are wanted whole anyway).
 *
 * Why not fetch(): the first fetch() in a process loads Node's bundled undici. Measured here, a
 * one-request process took ~320 ms with fetch() against ~115-160 ms with node:http, and `send` has a
 * budget of 1.8x bare node. For the same reason node:https (and with it TLS) loads only for an https
 * URL: the sandbox is plain http. Idle keep-alive sockets are unref'd by node:http's Agent, so they
 * never hold a short command open.
 */
import type http from 'node:http';

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Limit for the whole exchange, answer included. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** A header's value (the first, if repeated); names are lower-case. */
  header(name: string): string | undefined;
  body: Buffer;
  text(): string;
}

/** Thrown when the time limit passes; `name` matches what fetch's AbortSignal.timeout() throws. */
export class HttpTimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * A failed request's error carries `requestMayHaveLeft`: false only when its socket never got connected
 * (TLS: never finished its handshake), so not one byte of it was sent. A reused keep-alive socket is
 * connected already: whatever fails on it (ECONNRESET, or EHOSTUNREACH when the route went away after
 * the request was written) may come after the server read the request. Decided by where the request
 * failed, not by the errno, which does not say.
 */
export type TransportError = Error & { code?: string; requestMayHaveLeft: boolean };

type Transport = { request: typeof http.request; agent: http.Agent };
const transports = new Map<string, Promise<Transport>>();

/** node:http or node:https with a keep-alive agent of its own, loaded the first time a URL needs it. */
function transportFor(protocol: string): Promise<Transport> | undefined {
  if (protocol !== 'http:' && protocol !== 'https:') return undefined;
  let transport = transports.get(protocol);
  if (!transport) {
    transport = (protocol === 'https:' ? import('node:https') : import('node:http')).then(({ default: module }) => ({ request: module.request, agent: new module.Agent({ keepAlive: true }) }));
    transports.set(protocol, transport);
  }
  return transport;
}

export async function httpRequest(url: string, req: HttpRequest): Promise<HttpResponse> {
  const target = new URL(url);
  const transport = await transportFor(target.protocol);
  if (!transport) throw new Error(`unsupported protocol ${target.protocol}`);
  return new Promise((resolve, reject) => {
    let connected = false;
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(Object.assign(err, { requestMayHaveLeft: connected }));
    };
    const cutOff = () => fail(Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' }));
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const outgoing = transport.request(target, { method: req.method, headers, agent: transport.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      // A body cut off mid-way is an error like a connection that never answered.
      res.on('aborted', cutOff);
      res.on('error', fail);
      res.on('end', () => {
        if (!res.complete) return cutOff();
        clearTimeout(timer);
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => {
            const v = res.headers[name.toLowerCase()];
            return Array.isArray(v) ? v[0] : v;
          },
          body,
          text: () => body.toString('utf8'),
        });
      });
    });
    const timer = setTimeout(() => outgoing.destroy(new HttpTimeoutError(`no complete answer within ${req.timeoutMs} ms`)), req.timeoutMs);
    outgoing.on('socket', (socket) => {
      // A socket from the keep-alive pool is connected already; a new one once it connects (TLS: its handshake).
      if (!socket.connecting && !(socket as { pending?: boolean }).pending) connected = true;
      else socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => (connected = true));
    });
    outgoing.on('error', fail);
    outgoing.end(req.body);
  });
}
