/**
 * Twilio's Monitor Alerts: the debugger's record of what went wrong, e.g. 11200 when a number's
 * webhook did not answer. Twilio serves them from monitor.twilio.com (regional: monitor.EDGE.REGION);
 * a configured API base URL (the sandbox) serves them itself at the same path.
 */
import { createRestClient, type RestClient, type RestClientOptions } from './rest-client.js';

export interface TwilioAlert {
  sid: string;
  error_code: string;
  log_level: string;
  alert_text: string | null;
  request_url: string | null;
  request_method: string | null;
  resource_sid: string | null;
  date_created: string;
}

interface AlertPage {
  alerts: TwilioAlert[];
  meta: { next_page_url: string | null };
}

export function monitorBaseUrl(o: Pick<RestClientOptions, 'baseUrl' | 'region' | 'edge'>): string {
  if (o.baseUrl) return o.baseUrl.replace(/\/+$/, '');
  return `https://${['monitor', o.edge, o.region ?? (o.edge ? 'us1' : undefined)].filter(Boolean).join('.')}.twilio.com`;
}

/** A client for the Monitor API with the same credentials. */
export function createMonitorClient(o: RestClientOptions): RestClient {
  return createRestClient({ ...o, baseUrl: monitorBaseUrl(o) });
}

/** Error-level alerts created since `since`, newest first, at most `limit`. */
export async function listErrorAlerts(monitor: RestClient, since: Date, limit = 200): Promise<TwilioAlert[]> {
  const out: TwilioAlert[] = [];
  let page = await monitor.request<AlertPage>('GET', '/v1/Alerts', { query: { LogLevel: 'error', StartDate: since.toISOString(), PageSize: Math.min(limit, 1000) } });
  for (;;) {
    out.push(...page.alerts);
    if (out.length >= limit || !page.meta.next_page_url) return out.slice(0, limit);
    const next = new URL(page.meta.next_page_url);
    page = await monitor.request<AlertPage>('GET', next.pathname + next.search);
  }
}
