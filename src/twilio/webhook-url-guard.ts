/**
 * Twilio fetches webhooks from the internet: a URL on a loopback, private or carrier-grade NAT
 * address can never reach `serve`, and pointing a real number at one silently loses every text
 * (Twilio logs error 11200). Refused before the number is changed; the sandbox, which runs next to
 * `serve`, may use any address.
 */
import { isIP } from 'node:net';
import { UserError } from '../errors.js';

const V4_RANGES: [string, number, string][] = [
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['169.254.0.0', 16, 'link-local'],
  ['100.64.0.0', 10, 'carrier-grade NAT (Tailscale addresses are here)'],
  ['0.0.0.0', 8, 'unspecified'],
];

const v4 = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);

function v6Kind(ip: string): string | undefined {
  const lower = ip.toLowerCase();
  if (lower === '::1' || lower === '::') return 'loopback';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return v4Kind(mapped[1]);
  if (/^f[cd]/.test(lower)) return 'private (unique local)';
  if (/^fe[89ab]/.test(lower)) return 'link-local';
  return undefined;
}

function v4Kind(ip: string): string | undefined {
  const n = v4(ip);
  for (const [base, bits, kind] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    if (n >= v4(base) && n < v4(base) + size) return kind;
  }
  return undefined;
}

/** Why Twilio cannot reach this host, or undefined when it may. Host names other than localhost are not resolved. */
export function unreachableHostKind(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (isIP(host) === 4) return v4Kind(host);
  if (isIP(host) === 6) return v6Kind(host);
  return undefined;
}

/** Throws a usage error naming the flag when `url` points at an address Twilio cannot reach. */
export function refuseUnreachableWebhookUrl(url: string, what: string): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return; // not a URL: the caller's own check says so
  }
  const kind = unreachableHostKind(host);
  if (!kind) return;
  throw new UserError(`${what} ${url} is a ${kind} address: Twilio cannot reach it, and texts to the number would be lost (error 11200).`, {
    code: 'unreachable_webhook_url',
    hint: 'Use the public URL of serve: publicUrl behind a reverse proxy, or a tunnel (serve --tunnel ngrok or tailscale-funnel). Only the local sandbox (--sandbox) may use a local address.',
  });
}
