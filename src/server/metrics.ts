/** Counters and a latency summary for /metrics, in Prometheus text format. */
import type { ServeEvent } from './events.js';

export interface Metrics {
  count(name: string, labels?: Record<string, string>): void;
  observeTurn(ms: number): void;
  setGauge(name: string, value: () => number): void;
  render(): string;
}

export function createMetrics(): Metrics {
  const counters = new Map<string, number>();
  const gauges = new Map<string, () => number>();
  const turns: number[] = [];
  const key = (name: string, labels: Record<string, string> = {}) => {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
    return l ? `${name}{${l}}` : name;
  };
  return {
    count(name, labels) {
      const k = key(name, labels);
      counters.set(k, (counters.get(k) ?? 0) + 1);
    },
    observeTurn(ms) {
      turns.push(ms);
      // A bounded window: the last 1000 turns.
      if (turns.length > 1000) turns.shift();
    },
    setGauge(name, value) {
      gauges.set(name, value);
    },
    render() {
      const lines: string[] = [];
      for (const [k, v] of [...counters].sort()) lines.push(`openclaw_telephony_${k} ${v}`);
      for (const [k, v] of gauges) lines.push(`openclaw_telephony_${k} ${v()}`);
      const sorted = [...turns].sort((a, b) => a - b);
      for (const q of [0.5, 0.9, 0.99]) {
        const v = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
        lines.push(`openclaw_telephony_agent_turn_ms{quantile="${q}"} ${v}`);
      }
      lines.push(`openclaw_telephony_agent_turn_ms_count ${turns.length}`);
      return lines.join('\n') + '\n';
    },
  };
}

/** The counters that follow from serve's events (subscribe it to the bus): /metrics, the log and the dashboard have one source. */
export function countEvents(metrics: Metrics): (event: ServeEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'agent.error':
        return metrics.count('agent_errors_total');
      case 'reply.failed':
        return metrics.count('reply_failures_total');
      case 'pairing.request':
        return metrics.count('pairing_requests_total', { outcome: e.fields.outcome });
      case 'delivery':
        return metrics.count('deliveries_total', { outcome: e.fields.outcome });
      case 'sms.media':
        for (let i = 0; i < e.fields.fetched; i++) metrics.count('inbound_media_total', { outcome: 'fetched' });
        for (const reason of e.fields.unavailable) metrics.count('inbound_media_total', { outcome: reason });
        return;
      default:
        return countRequestEvent(metrics, e);
    }
  };
}

/** The counters of requests: webhooks by outcome, refusals, errors, status callbacks, media fetches. */
function countRequestEvent(metrics: Metrics, e: ServeEvent): void {
  switch (e.type) {
    case 'webhook.handled':
      return metrics.count('webhooks_total', { route: e.fields.route, outcome: 'handled' });
    case 'webhook.replayed':
      return metrics.count('webhooks_total', { route: e.fields.route, outcome: 'replayed' });
    case 'webhook.busy':
      return metrics.count('webhooks_total', { route: e.fields.route, outcome: 'busy-elsewhere' });
    case 'webhook.orphaned':
      return metrics.count('webhooks_orphaned_total', { route: e.fields.route });
    case 'reply.orphaned':
      return metrics.count('replies_orphaned_total');
    case 'webhook.unverified':
      return metrics.count('webhook_verification_failures_total', { route: e.fields.route });
    case 'webhook.rejected':
      return metrics.count('webhooks_refused_total', { reason: e.fields.reason });
    case 'webhook.error':
      return metrics.count(e.fields.storeUnavailable ? 'webhook_store_unavailable_total' : 'webhook_errors_total');
    case 'sms.refused':
      return metrics.count('inbound_refused_total', { reason: e.fields.kind });
    case 'media.fetch':
      return metrics.count('media_fetches_total', { outcome: e.fields.outcome });
    case 'status':
    case 'status.conflict':
      // A message status callback (call statuses and unknown resources carry no outcome).
      if (e.fields.outcome) metrics.count('status_callbacks_total', { outcome: e.fields.outcome });
      return;
  }
}
