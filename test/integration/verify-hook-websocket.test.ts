/** The verification hook is reusable on a WebSocket upgrade route (how media streams will join serve): an unsigned upgrade is refused, a signed one connects. */
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createMetrics } from '../../src/server/metrics.js';
import { createDeduplicator } from '../../src/server/dedup.js';
import { verifyHook } from '../../src/server/hooks/twilio-webhook.js';
import { createInboundLimits } from '../../src/server/inbound-limits.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { sqliteUrl } from '../helpers/stores.js';

const TOKEN = 'b4'.repeat(16);
const PUBLIC = 'https://bot.example.com';

describe('verifyHook on a WebSocket upgrade route', () => {
  const app = Fastify();
  let store: Store;
  let base: string;
  const refused: unknown[] = [];
  beforeAll(async () => {
    store = await openStore(sqliteUrl());
    const deps = {
      verify: { authToken: TOKEN, accountSid: 'AC' + '1'.repeat(32), publicBases: () => [PUBLIC], allowedHosts: [], trustForwardingHeaders: false, trustedProxies: [], skip: false },
      dedup: createDeduplicator(store),
      metrics: createMetrics(),
      emit: (type: string, fields: unknown) => refused.push({ type, fields }),
      limits: createInboundLimits({ windowSeconds: 60, perSender: 30, total: 300, failedRequests: 300, statusCallbacks: 3000 }, { metrics: createMetrics(), emit: () => {} }),
    };
    await app.register(websocket);
    await app.register(async (scope) => {
      scope.addHook('preHandler', verifyHook('stream', deps));
      scope.get('/telephony/stream', { websocket: true }, (socket) => socket.send('connected'));
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  const open = (headers: Record<string, string>) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(base.replace('http', 'ws') + '/telephony/stream', { headers });
      ws.on('message', (m) => (resolve(String(m)), ws.close()));
      ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
      ws.on('error', () => undefined);
    });

  it('refuses an unsigned or wrongly signed upgrade with 403 and reports it', async () => {
    expect(await open({})).toBe('HTTP 403');
    expect(await open({ 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, 'https://evil.example/telephony/stream', {}) })).toBe('HTTP 403');
    // Each is said (webhook.refused) and counted (webhook.unverified, which /metrics counts).
    expect(refused.map((e) => (e as { type: string }).type)).toEqual(['webhook.unverified', 'webhook.refused', 'webhook.unverified', 'webhook.refused']);
  });

  it('lets a signed upgrade through to the route', async () => {
    expect(await open({ 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + '/telephony/stream', {}) })).toBe('connected');
  });
});
