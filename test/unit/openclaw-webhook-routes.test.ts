/**
 * The Gateway routes of the telephony channel: registered when OpenClaw loads the plugin, they answer
 * 503 (Twilio retries) until the running account mounts its webhook app, then hand each request to
 * it, and 503 again once the account stopped. Paths follow channels.telephony.serve.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookRoutes, mediaPath, webhookPaths } from '../../src/openclaw/webhook-routes.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

describe('the webhook routes on the Gateway', () => {
  it('serve.path, serve.voicePath and serve.statusPath, as configured or by default', () => {
    expect(webhookPaths({})).toEqual(['/telephony/webhook', '/telephony/voice', '/telephony/status']);
    expect(webhookPaths({ channels: { telephony: { serve: { path: '/sms/in', statusPath: 'no-slash' } } } })).toEqual(['/sms/in', '/telephony/voice', '/telephony/status']);
  });

  it('answer 503 until an account mounts its app, then the app answers, then 503 again', async () => {
    const routes = createWebhookRoutes();
    const [route] = routes.routes(['/telephony/webhook']);
    expect(route).toMatchObject({ path: '/telephony/webhook', auth: 'plugin', match: 'exact' });
    server = createServer((req, res) => void route.handler(req, res));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telephony/webhook`;

    const before = await fetch(url, { method: 'POST' });
    expect(before.status).toBe(503);
    expect(before.headers.get('retry-after')).toBe('5');

    const unmount = routes.host('the Gateway').mount((req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(`<Response>${req.url}</Response>`));
    const during = await fetch(url, { method: 'POST' });
    expect(during.status).toBe(200);
    expect(await during.text()).toBe('<Response>/telephony/webhook</Response>');

    unmount();
    expect((await fetch(url, { method: 'POST' })).status).toBe(503);
  });

  it('serve.mediaPath is a GET/HEAD prefix route, so Twilio can fetch the MMS files serve publishes under the Gateway URL', async () => {
    expect(mediaPath({})).toBe('/telephony/media');
    expect(mediaPath({ channels: { telephony: { serve: { mediaPath: '/mms/files/' } } } })).toBe('/mms/files');
    const routes = createWebhookRoutes();
    const all = routes.routes(['/telephony/webhook'], '/telephony/media');
    const media = all.find((r) => r.path === '/telephony/media');
    expect(media).toMatchObject({ auth: 'plugin', match: 'prefix' });
    server = createServer((req, res) => void media!.handler(req, res));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telephony/media/${'a'.repeat(43)}`;
    const unmount = routes.host('the Gateway').mount((req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(`${req.method} ${req.url}`));

    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe(`GET /telephony/media/${'a'.repeat(43)}`);
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    const posted = await fetch(url, { method: 'POST' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET, HEAD');
    unmount();
  });
});
