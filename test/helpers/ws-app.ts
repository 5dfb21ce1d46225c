/** A WebSocket server on port 0 over loopback, standing in for an app that Twilio (the sandbox) connects to. */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export async function startWebSocketApp(path: string): Promise<{ wss: WebSocketServer; url: string }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}${path}` };
}
