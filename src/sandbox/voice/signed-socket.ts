/**
 * The WebSocket Twilio opens to an app (media streams, ConversationRelay): the upgrade carries
 * X-Twilio-Signature computed over the URL exactly as written, with no parameters.
 */
import WebSocket from 'ws';
import { computeSignature } from '../../twilio/signature.js';

const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Opens the socket; rejects when the app cannot be reached or refuses the upgrade. The caller attaches
 * its own 'error' listener at once: ws emits errors for the life of the socket.
 */
export async function openSignedSocket(url: string, authToken: string): Promise<WebSocket> {
  const signature = computeSignature(authToken, url, {});
  const ws = new WebSocket(url, { headers: { 'x-twilio-signature': signature, 'user-agent': 'Twilio.TmeWs/1.0' }, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
  let fail: (err: Error) => void = () => undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      fail = reject;
      ws.once('open', () => resolve());
      ws.on('error', fail);
      ws.once('unexpected-response', (req, res) => {
        reject(new Error(`the app answered the upgrade with HTTP ${res.statusCode}`));
        // Aborting the refused upgrade may emit one more error; the settled promise ignores it.
        req.destroy();
      });
    });
  } finally {
    if (ws.readyState === WebSocket.OPEN) ws.off('error', fail);
  }
  return ws;
}
