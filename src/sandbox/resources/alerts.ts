/**
 * Twilio's Monitor Alerts (`https://monitor.twilio.com/v1/Alerts`): the account's debugger alerts,
 * newest first, with LogLevel, StartDate, EndDate and PageSize as Twilio takes them. The sandbox
 * serves them on its own host at the same path; its alerts are the problems it recorded
 * (notifications.ts), such as 11200 when an SmsUrl does not answer.
 */
import type { SandboxContext } from '../context.js';
import { type Router, SandboxApiError } from '../http.js';
import type { NotificationRecord } from '../notifications.js';

function alertView(ctx: SandboxContext, n: NotificationRecord) {
  return {
    account_sid: ctx.account.sid,
    alert_text: new URLSearchParams({ Msg: n.message, url: n.url ?? '' }).toString(),
    api_version: '2010-04-01',
    date_created: n.at,
    date_generated: n.at,
    date_updated: n.at,
    error_code: String(n.code),
    log_level: 'error',
    more_info: `https://www.twilio.com/docs/errors/${n.code}`,
    request_method: n.method ?? null,
    request_url: n.url,
    resource_sid: n.relatedSid ?? null,
    service_sid: null,
    sid: n.sid,
    url: `${ctx.baseUrl}/v1/Alerts/${n.sid}`,
  };
}

const dateOf = (text: string | null, name: string) => {
  if (!text) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new SandboxApiError(400, 20001, `Invalid ${name}: ${text}`);
  return d.toISOString();
};

export function registerAlerts(router: Router, ctx: SandboxContext): void {
  router.on('GET', '/v1/Alerts', (req) => {
    const level = req.query.get('LogLevel');
    const start = dateOf(req.query.get('StartDate'), 'StartDate');
    const end = dateOf(req.query.get('EndDate'), 'EndDate');
    const pageSize = Math.min(1000, Math.max(1, Number(req.query.get('PageSize') ?? 50) || 50));
    const page = Math.max(0, Number(req.query.get('Page') ?? 0) || 0);
    const all = ctx.store
      .list<NotificationRecord>('notification')
      .filter((n) => (!level || level === 'error') && (!start || n.at >= start) && (!end || n.at <= end))
      .reverse();
    const items = all.slice(page * pageSize, (page + 1) * pageSize).map((n) => alertView(ctx, n));
    const pageUrl = (p: number) => `${ctx.baseUrl}/v1/Alerts?PageSize=${pageSize}&Page=${p}${level ? `&LogLevel=${level}` : ''}${start ? `&StartDate=${encodeURIComponent(start)}` : ''}${end ? `&EndDate=${encodeURIComponent(end)}` : ''}`;
    return {
      status: 200,
      json: {
        alerts: items,
        meta: {
          page,
          page_size: pageSize,
          first_page_url: pageUrl(0),
          previous_page_url: page > 0 ? pageUrl(page - 1) : null,
          url: pageUrl(page),
          next_page_url: (page + 1) * pageSize < all.length ? pageUrl(page + 1) : null,
          key: 'alerts',
        },
      },
    };
  });
}
