/** serve's event bus drives the dashboard model and the metrics, and the messaging verb's logger reports on it. */
import { describe, expect, it } from 'vitest';
import { createDashboardModel, followBus } from '../../src/dashboard/model.js';
import { COUNT_ONLY, createEventBus, loggerOnBus, type ServeEvent } from '../../src/server/events.js';
import { countEvents, createMetrics } from '../../src/server/metrics.js';

describe('the serve event bus', () => {
  it('drives the dashboard model: texts in and out, refusals, errors and late deliveries', () => {
    const bus = createEventBus();
    const model = createDashboardModel();
    const stop = followBus(model, bus);
    bus.emit('sms.in', { from: '+15550001111', to: '+15550002222', body: 'hello' });
    bus.emit('sms.out', { from: '+15550002222', to: '+15550001111', body: 'late hi', via: 'rest' });
    bus.emit('webhook.refused', { route: 'inbound', reason: 'signature mismatch', tried: ['https://bot.example.com/telephony/webhook'] });
    bus.emit('agent.error', { from: '+15550001111', error: 'agent timed out' });
    loggerOnBus(bus).event('twilio.sms.send', { key: 'reply:SM1:1/1', to: '+15550001111', outcome: 'sent', sid: 'SM9' });
    const snap = model.snapshot();
    expect(snap.counts).toEqual({ inbound: 1, outbound: 1, refused: 1, errors: 1 });
    expect(snap.feed.map((f) => f.text)).toEqual([
      '+15550001111 -> +15550002222: hello',
      '+15550002222 -> +15550001111: late hi (late, by REST)',
      'delivery key=reply:SM1:1/1 to=+15550001111 outcome=sent sid=SM9',
    ]);
    expect(snap.errors.map((e) => e.text)).toEqual(['refused inbound: signature mismatch; tried https://bot.example.com/telephony/webhook', 'agent.error: agent timed out']);
    stop();
    bus.emit('sms.in', { from: '+15550001111', to: '+15550002222', body: 'after stop' });
    expect(model.snapshot().counts.inbound).toBe(1);
  });

  it('counts metrics from events, and hands every subscriber the typed event', () => {
    const bus = createEventBus();
    const metrics = createMetrics();
    const seen: ServeEvent[] = [];
    bus.subscribe(countEvents(metrics));
    bus.subscribe((e) => seen.push(e));
    bus.emit('pairing.request', { from: '+15550003333', outcome: 'capped' });
    bus.emit('reply.failed', { to: '+15550001111', key: 'reply:SM2:1/1', error: 'HTTP 500' });
    loggerOnBus(bus).event('twilio.sms.send', { key: 'k', to: '+15550001111', outcome: 'failed' });
    expect(metrics.render()).toContain('openclaw_telephony_pairing_requests_total{outcome="capped"} 1');
    expect(metrics.render()).toContain('openclaw_telephony_reply_failures_total 1');
    expect(metrics.render()).toContain('openclaw_telephony_deliveries_total{outcome="failed"} 1');
    expect(seen.map((e) => e.type)).toEqual(['pairing.request', 'reply.failed', 'delivery']);
    expect(seen[0]).toMatchObject({ type: 'pairing.request', fields: { outcome: 'capped' } });
  });

  it('is where the routes\' counters come from: webhooks, refusals, errors, status callbacks, media fetches', () => {
    const bus = createEventBus();
    const metrics = createMetrics();
    const model = createDashboardModel();
    bus.subscribe(countEvents(metrics));
    followBus(model, bus);
    bus.emit('webhook.handled', { route: 'sms' });
    bus.emit('webhook.handled', { route: 'sms' });
    bus.emit('webhook.replayed', { route: 'sms' });
    bus.emit('webhook.busy', { route: 'voice' });
    bus.emit('webhook.unverified', { route: 'status' });
    bus.emit('webhook.rejected', { reason: '413' });
    bus.emit('webhook.error', { path: '/telephony/webhook', error: 'boom' });
    bus.emit('webhook.error', { path: '/telephony/webhook', error: 'the store cannot take writes now', storeUnavailable: true });
    bus.emit('sms.refused', { from: '+15550001111', to: '+15550002222', reason: 'over the limit', kind: 'sender' });
    bus.emit('status', { sid: 'SM1', status: 'delivered', outcome: 'applied' });
    bus.emit('status', { sid: '', status: 'unknown resource: neither MessageSid nor CallSid' });
    bus.emit('media.fetch', { outcome: 'served' });
    const text = metrics.render();
    for (const line of [
      'webhooks_total{route="sms",outcome="handled"} 2',
      'webhooks_total{route="sms",outcome="replayed"} 1',
      'webhooks_total{route="voice",outcome="busy-elsewhere"} 1',
      'webhook_verification_failures_total{route="status"} 1',
      'webhooks_refused_total{reason="413"} 1',
      'webhook_errors_total 1',
      'webhook_store_unavailable_total 1',
      'inbound_refused_total{reason="sender"} 1',
      'status_callbacks_total{outcome="applied"} 1',
      'media_fetches_total{outcome="served"} 1',
    ]) expect(text).toContain(`openclaw_telephony_${line}\n`);
    expect(text).not.toContain('status_callbacks_total{outcome="undefined"}');
    // Counted, not shown: one line a webhook would drown the feed (sms.in and the rest say what happened).
    const shown = [...model.snapshot().feed, ...model.snapshot().errors].map((i) => i.text).join('\n');
    for (const type of COUNT_ONLY) expect(shown).not.toContain(type);
  });
});
