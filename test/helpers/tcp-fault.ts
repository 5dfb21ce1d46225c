/**
 * Loopback TCP stand-ins for a PostgreSQL server that stops answering: a black hole (accepts, never
 * says a word, like a server whose process is stopped), and a relay to the real test server that can
 * be frozen (it keeps the connections open and stops passing bytes either way).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpFault {
  port: number;
  close(): Promise<void>;
}

async function listen(server: Server, sockets: Set<Socket>): Promise<TcpFault> {
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function startBlackHole(): Promise<TcpFault> {
  const sockets = new Set<Socket>();
  return listen(createServer(() => undefined), sockets);
}

export interface FreezableRelay extends TcpFault {
  freeze(): void;
  thaw(): void;
}

export async function startFreezableRelay(target: { host: string; port: number }): Promise<FreezableRelay> {
  const sockets = new Set<Socket>();
  let frozen = false;
  const held: (() => void)[] = [];
  // Bytes arriving while frozen wait here and are delivered on thaw, as a resumed server would read them.
  const pass = (from: Socket, to: Socket) =>
    from.on('data', (chunk) => (frozen ? held.push(() => to.write(chunk)) : to.write(chunk)));
  const server = createServer((client) => {
    const upstream = createConnection(target);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    pass(client, upstream);
    pass(upstream, client);
  });
  const base = await listen(server, sockets);
  return {
    ...base,
    freeze: () => void (frozen = true),
    thaw: () => {
      frozen = false;
      for (const deliver of held.splice(0)) deliver();
    },
  };
}
