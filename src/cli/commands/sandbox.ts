/** `sandbox` (start the local Twilio), `sandbox text` (a handset texts a number), `sandbox inbox`. */
import { describeBytes } from '../../messaging/mms-limits.js';
import { UserError } from '../../errors.js';
import { parseFaults } from '../../sandbox/faults.js';
import type { SenderRates } from '../../sandbox/context.js';
import { locateSandbox } from '../../discovery/sandbox-registry.js';
import { startRegisteredSandbox } from '../../discovery/start-sandbox.js';
import { callSandboxControl, fetchSandboxAccount } from '../../twilio/access.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output.js';
import { exitCodeAfter, stopRequested } from '../signals.js';
import { commandPrefix } from '../../command-prefix.js';
import { readFile } from 'node:fs/promises';
import { isMediaUrl } from '../../messaging/media-url.js';
import { contentTypeForFile } from '../../messaging/media-types.js';
import { sandboxNumber } from './sandbox-number.js';

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UserError(`--port ${text} is not a port number`, { code: 'invalid_port', hint: 'Use a whole number from 0 to 65535 (0 picks a free port).' });
  return port;
}

function parseSpeed(text: string): number {
  const speed = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || speed < 0.1 || speed > 100) throw new UserError(`--speed ${text} is not a speed factor`, { code: 'invalid_speed', hint: 'Use a number from 0.1 to 100: 1 plays calls in real time, 10 ten times faster.' });
  return speed;
}

export function parseRates(spec: string | undefined): Partial<SenderRates> {
  const rates: Partial<SenderRates> = {};
  for (const part of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(longcode|tollfree|shortcode|service|cps)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || Number(m[2]) <= 0) {
      throw new UserError(`--rates: cannot read "${part}"`, { code: 'invalid_rates', hint: 'Use KIND=PER_SECOND with kinds longcode, tollfree, shortcode, service (messages) and cps (calls per second), e.g. "longcode=1,service=100,cps=5".' });
    }
    rates[m[1] as keyof SenderRates] = Number(m[2]);
  }
  return rates;
}

export async function sandbox(ctx: CommandContext): Promise<number> {
  const { opts, out } = ctx;
  // Listen before printing the ready line: a supervisor may stop us the moment it reads it.
  const stopped = stopRequested();
  const sb = await startRegisteredSandbox({
    // Without --port: the preferred port (4010, OPENCLAW_TELEPHONY_SANDBOX_PORT) when free, else any free port (commands find it through the data folder).
    port: opts.port === undefined ? undefined : parsePort(String(opts.port)),
    bind: (opts.bind as string) ?? '127.0.0.1',
    dataDir: opts.data as string | undefined,
    faults: parseFaults(opts.fault as string | undefined),
    rates: parseRates(opts.rates as string | undefined),
    voiceTimeScale: 1 / parseSpeed(String(opts.speed ?? '1')),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new UserError(`Port ${opts.port} is in use.`, { code: 'port_in_use', hint: 'Stop what uses it, or pick another with --port (0 picks a free one).' });
    throw err;
  });
  const info = sb.describe();
  if (out.json) out.line(info);
  else {
    out.stdout.write(
      [
        `Twilio sandbox listening on ${info.baseUrl}`,
        `  account SID   ${info.accountSid}`,
        `  auth token    ${info.authToken}`,
        `  API key       ${info.apiKeySid} / ${info.apiKeySecret}`,
        `  messaging svc ${info.messagingServiceSid}`,
        ...info.numbers.map((n) => `  number        ${n.phoneNumber} (${n.sid})`),
        '',
        'Use it from another terminal with --sandbox (commands find it by themselves).',
        'Ctrl-C stops it.',
        '',
      ].join('\n'),
    );
  }
  const signal = await stopped;
  out.info('Stopping the sandbox...');
  await sb.close();
  return exitCodeAfter(signal);
}

function sandboxUrl(): string {
  return locateSandbox(process.env.OPENCLAW_TELEPHONY_SANDBOX_URL);
}

/** The fix for a refusal, by the sandbox's error code: the handset (--from) and the number texted (--to) are told apart. */
async function refusalHint(base: string, code: number | undefined): Promise<string> {
  if (code === 21212) return '--from is the simulated handset: any E.164 number that is not one of the sandbox\'s, for example --from +15550001111.';
  if (code === 20404) {
    const account = await fetchSandboxAccount(base);
    return `--to must be one of the sandbox's numbers: ${account.numbers.map((n) => n.phoneNumber).join(', ')}.`;
  }
  return 'See the message above; `' + commandPrefix() + ' sandbox text --help` shows the arguments.';
}

async function callSandbox(path: string, opts?: { method: 'POST'; json: unknown }): Promise<unknown> {
  const base = sandboxUrl();
  const res = await callSandboxControl(base, path, opts);
  const body = res.body as { message?: string; code?: number };
  if (res.status >= 400) throw new UserError(`The sandbox refused: ${body.message ?? res.status}`, { code: 'sandbox_refused', hint: await refusalHint(base, body.code) });
  return body;
}

/**
 * `--media`: a URL is passed on as the MMS's MediaUrl as it is; a file is attached, and the sandbox
 * keeps it as the message's Media, behind its own (authenticated) media URL as Twilio does.
 */
async function readMedia(items: string[]): Promise<({ url: string } | { contentType: string; data: string })[]> {
  return Promise.all(
    items.map(async (item) => {
      if (isMediaUrl(item)) return { url: item };
      const data = await readFile(item).catch((err: NodeJS.ErrnoException) => {
        throw new UserError(`--media ${JSON.stringify(item)} cannot be read (${err.code ?? err.message}); nothing was sent.`, { code: 'media_unreadable', hint: 'Give a file that exists and you may read, or an http(s) URL.' });
      });
      return { contentType: contentTypeForFile(item), data: data.toString('base64') };
    }),
  );
}

export async function sandboxText(ctx: CommandContext, body: string): Promise<number> {
  const { opts, out } = ctx;
  const from = sandboxNumber(opts.from as string, '--from (the handset)', 'from');
  // Without --to the handset texts the sandbox's first number: the one `serve --sandbox` answers on.
  const to = opts.to !== undefined ? sandboxNumber(opts.to as string, '--to (a sandbox number)', 'to') : (await fetchSandboxAccount(sandboxUrl())).numbers[0].phoneNumber;
  const media = await readMedia((opts.media as string[] | undefined) ?? []);
  const result = (await callSandbox(`/sandbox/v1/handsets/${encodeURIComponent(from)}/messages`, { method: 'POST', json: { To: to, Body: body, Media: media } })) as {
    sid: string;
    webhook: { url: string; ok: boolean; status: number | null } | null;
  };
  out.result(result, () => {
    const w = result.webhook;
    const fate = !w ? 'the number has no SmsUrl, so no webhook was sent' : w.ok ? `webhook ${w.url} answered ${w.status}` : `webhook ${w.url} failed (${w.status ?? 'no answer'})`;
    return `${result.sid}: ${from} -> ${to}; ${fate}`;
  });
  return 0;
}

export async function sandboxInbox(ctx: CommandContext, handsetText: string): Promise<number> {
  const handset = sandboxNumber(handsetText, 'The handset number', 'handset');
  const result = (await callSandbox(`/sandbox/v1/handsets/${encodeURIComponent(handset)}/inbox`)) as {
    messages: { sid: string; from: string; body: string; dateSent: string; fetchedMedia?: { contentType: string; size: number }[] }[];
  };
  // The media column says what the sandbox fetched, as the handset would show it: type and size.
  const mediaOf = (m: (typeof result.messages)[number]) => (m.fetchedMedia ?? []).map((f) => `${f.contentType} ${describeBytes(f.size)}`).join(', ');
  ctx.out.result(result, () =>
    result.messages.length ? formatTable([['FROM', 'SENT', 'BODY', 'MEDIA'], ...result.messages.map((m) => [m.from, m.dateSent, m.body, mediaOf(m)])]) : `Nothing has reached ${handset} yet.`,
  );
  return 0;
}
