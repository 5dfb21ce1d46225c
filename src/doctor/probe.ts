/**
 * `doctor --probe`: asks Twilio (or the sandbox) what only it knows. Is the number's SMS webhook the
 * URL and method `serve` expects; did Twilio fail to reach it lately (error 11200 in the Monitor
 * alerts); and how did the last outbound text end (from the store, with what to do about its error).
 */
import { ExitCode } from '../errors.js';
import { requireTwilioAuth } from '../secrets/credentials.js';
import { openStore } from '../store/open-store.js';
import { createMonitorClient, listErrorAlerts } from '../twilio/alerts-api.js';
import { twilioHint } from '../twilio/error-hints.js';
import { findNumber, type TwilioNumber } from '../twilio/numbers-api.js';
import { createRestClient, type RestClientOptions } from '../twilio/rest-client.js';
import type { Check, CheckResult, DoctorState } from './checks.js';
import { commandPrefix, hintCommand } from '../command-prefix.js';

const ALERT_WINDOW_MS = 24 * 3_600_000;

interface ProbeTarget {
  options: RestClientOptions;
  number: TwilioNumber;
  /** What serve expects Twilio to call, when a public URL is configured. */
  expectedUrl?: string;
}

/** The three probe checks, sharing one look-up of the number. */
export function createProbeChecks(): Check[] {
  let target: Promise<ProbeTarget | CheckResult> | undefined;
  const lookUp = (state: DoctorState) => (target ??= findTarget(state));
  return [(state) => webhookProbe(lookUp(state)), (state) => alertsProbe(lookUp(state)), lastDeliveryProbe];
}

async function findTarget({ resolution, credentials }: DoctorState): Promise<ProbeTarget | CheckResult> {
  const name = 'probe-number';
  const c = resolution?.config;
  if (!c || !credentials) return { name, status: 'warn', detail: 'skipped: no configuration or credentials' };
  if (!c.fromNumber) return { name, status: 'warn', detail: 'no fromNumber to probe', fix: 'Set fromNumber (or TWILIO_PHONE_NUMBER).' };
  let auth;
  try {
    auth = requireTwilioAuth(credentials);
  } catch {
    return { name, status: 'warn', detail: 'skipped: no Twilio credentials', fix: `${commandPrefix()} auth login` };
  }
  const options: RestClientOptions = { ...auth, baseUrl: c.twilio.apiBaseUrl, region: c.twilio.region, edge: c.twilio.edge, maxRetries: 0, timeoutMs: 5000 };
  const client = createRestClient(options);
  try {
    const number = await findNumber(client, c.fromNumber);
    if (!number) return { name, status: 'fail', detail: `${c.fromNumber} is not one of this account's numbers`, fix: '`' + hintCommand('numbers list') + '` shows them.', exitCode: ExitCode.config };
    return { options, number, expectedUrl: c.publicUrl ? c.publicUrl.replace(/\/+$/, '') + c.serve.path : undefined };
  } catch (err) {
    return { name, status: 'warn', detail: `could not ask the API about ${c.fromNumber}: ${(err as Error).message}`, fix: (err as { hint?: string }).hint };
  } finally {
    await client.close();
  }
}

const isResult = (t: ProbeTarget | CheckResult): t is CheckResult => 'status' in t;

async function webhookProbe(lookUp: Promise<ProbeTarget | CheckResult>): Promise<CheckResult> {
  const t = await lookUp;
  if (isResult(t)) return t;
  const name = 'probe-sms-webhook';
  const { number, expectedUrl } = t;
  const method = (number.sms_method ?? 'POST').toUpperCase();
  const fix = `${commandPrefix()} numbers configure ${number.phone_number} --to-serve (or serve --configure-number)`;
  if (!number.sms_url) return { name, status: 'fail', detail: `${number.phone_number} has no SMS webhook: texts to it reach nobody`, fix, exitCode: ExitCode.config };
  if (!expectedUrl) return { name, status: 'warn', detail: `${number.phone_number} sends texts to ${method} ${number.sms_url}; without publicUrl it cannot be compared with serve's`, fix: 'Set publicUrl.' };
  const problems = [number.sms_url !== expectedUrl ? `URL ${number.sms_url} is not serve's ${expectedUrl}` : '', method !== 'POST' ? `method ${method} is not POST` : ''].filter(Boolean);
  if (problems.length) return { name, status: 'fail', detail: `${number.phone_number}: ${problems.join('; ')}`, fix, exitCode: ExitCode.config };
  return { name, status: 'pass', detail: `${number.phone_number} sends texts to POST ${expectedUrl}, as serve expects` };
}

async function alertsProbe(lookUp: Promise<ProbeTarget | CheckResult>): Promise<CheckResult> {
  const t = await lookUp;
  const name = 'probe-11200';
  if (isResult(t)) return { name, status: 'warn', detail: 'skipped: the number could not be probed' };
  const urls = new Set([t.number.sms_url, t.expectedUrl].filter(Boolean));
  const monitor = createMonitorClient(t.options);
  try {
    const alerts = (await listErrorAlerts(monitor, new Date(Date.now() - ALERT_WINDOW_MS))).filter((a) => a.error_code === '11200' && a.request_url !== null && urls.has(a.request_url));
    if (!alerts.length) return { name, status: 'pass', detail: `no 11200 (webhook unreachable) alerts for ${[...urls].join(' or ')} in the last 24 hours` };
    return {
      name,
      status: 'warn',
      detail: `${alerts.length} time(s) in the last 24 hours Twilio could not reach ${alerts[0].request_url} (error 11200), last at ${alerts[0].date_created}`,
      fix: twilioHint(11200),
    };
  } catch (err) {
    return { name, status: 'warn', detail: `could not read the account's alerts: ${(err as Error).message}`, fix: (err as { hint?: string }).hint };
  } finally {
    await monitor.close();
  }
}

const lastDeliveryProbe: Check = async ({ resolution }) => {
  const name = 'probe-last-delivery';
  if (!resolution) return { name, status: 'warn', detail: 'skipped: the configuration did not load' };
  let store;
  try {
    store = await openStore(resolution.config.store.url);
  } catch (err) {
    return { name, status: 'warn', detail: `the store did not open: ${(err as Error).message}` };
  }
  try {
    const last = await store.db
      .selectFrom('messages')
      .select(['sid', 'status', 'error_code', 'status_conflict', 'updated_at'])
      .where('direction', '!=', 'inbound')
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!last) return { name, status: 'pass', detail: 'no outbound text in the store yet' };
    const error = last.error_code ? ` (error ${last.error_code})` : '';
    const conflict = last.status_conflict ? `; conflicting report: ${last.status_conflict}` : '';
    const detail = `${last.sid}: ${last.status}${error} at ${last.updated_at}${conflict}`;
    const bad = last.status === 'failed' || last.status === 'undelivered' || Boolean(last.status_conflict);
    return bad ? { name, status: 'warn', detail, fix: twilioHint(last.error_code) ?? `${commandPrefix()} messages get ${last.sid}` } : { name, status: 'pass', detail };
  } finally {
    await store.close();
  }
};
