/** A WebSocket server on port 0 over loopback, standing in for an app that Twilio (the sandbox) connects to. */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export async function startWebSocketApp(path: string): Promise<{ wss: WebSocketServer; url: string }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}${path}` };
}

/**
 * An app whose WebSocket upgrade arrives, then the caller hangs up, and only then does the app accept:
 * for tests that a stream or relay opening while the call ends is closed rather than left open.
 * `callPlaced(sid)` tells it which call to hang up; `accepted` holds the sockets it accepted.
 */
export async function startAppAcceptingAfterHangup(path: string, hangUp: (callSid: string) => Promise<void>) {
  const app = await startWebSocketApp(path);
  const accepted: WebSocket[] = [];
  let callPlaced: (sid: string) => void = () => undefined;
  const placed = new Promise<string>((resolve) => (callPlaced = resolve));
  app.wss.options.verifyClient = (_info: unknown, done: (ok: boolean) => void) =>
    void placed.then(async (sid) => {
      await hangUp(sid);
      setTimeout(() => done(true), 300);
    });
  app.wss.on('connection', (ws) => accepted.push(ws));
  return { ...app, accepted, callPlaced };
}
