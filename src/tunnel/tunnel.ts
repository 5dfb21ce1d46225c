/**
 * How Twilio reaches `serve`: an ngrok tunnel opened in process (@ngrok/ngrok; it reconnects by
 * itself with backoff after a drop), Tailscale Funnel (the `tailscale` CLI), or nothing (publicUrl).
 */
import { spawn } from 'node:child_process';
import { ConfigError, CredentialsError, NetworkError } from '../errors.js';
import { commandPrefix } from '../command-prefix.js';
import { withoutOurSecrets } from '../agent/child-env.js';

export type TunnelState = 'up' | 'down';

export interface Tunnel {
  provider: 'ngrok' | 'tailscale-funnel';
  url: string;
  state(): TunnelState;
  close(): Promise<void>;
}

export interface TunnelOptions {
  port: number;
  ngrokAuthToken?: string;
  ngrokDomain?: string;
  onStateChange?(state: TunnelState): void;
  /** The tailscale CLI. @default "tailscale" */
  tailscaleBin?: string;
  /** A stop request while opening: the tailscale CLI is stopped. */
  signal?: AbortSignal;
}

export async function openTunnel(provider: 'ngrok' | 'tailscale-funnel', o: TunnelOptions): Promise<Tunnel> {
  return provider === 'ngrok' ? openNgrok(o) : openTailscaleFunnel(o);
}

async function openNgrok(o: TunnelOptions): Promise<Tunnel> {
  if (!o.ngrokAuthToken) {
    throw new CredentialsError(
      'tunnel.provider is "ngrok" but there is no ngrok auth token.',
      'Store it with `' + commandPrefix() + ' auth set tunnel.ngrokAuthToken` (or set NGROK_AUTHTOKEN); find it at https://dashboard.ngrok.com/get-started/your-authtoken.',
      'ngrok_token_missing',
    );
  }
  const ngrok = await import('@ngrok/ngrok');
  let state: TunnelState = 'up';
  let listener;
  try {
    listener = await ngrok.forward({
      addr: o.port,
      authtoken: o.ngrokAuthToken,
      ...(o.ngrokDomain ? { domain: o.ngrokDomain } : {}),
      onStatusChange: (status: string) => {
        state = status === 'connected' ? 'up' : 'down';
        o.onStateChange?.(state);
      },
    });
  } catch (err) {
    const message = (err as Error).message;
    if (/tcp connection|dns|resolve|connect session/i.test(message)) {
      throw new NetworkError(`Could not reach ngrok: ${message}.`, 'Check the network (ngrok needs outbound port 443), or set tunnel.provider to "none" with a publicUrl.');
    }
    throw new CredentialsError(`ngrok refused the tunnel: ${message}.`, 'Check the auth token and, if set, that tunnel.ngrokDomain is reserved for this account.', 'ngrok_refused');
  }
  const url = listener.url();
  if (!url) throw new NetworkError('ngrok opened no URL.', 'Try again, or set tunnel.provider to "none" with a publicUrl.');
  return { provider: 'ngrok', url, state: () => state, close: () => listener.close() };
}

function run(bin: string, args: string[], signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, signal, env: withoutOurSecrets(process.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function openTailscaleFunnel(o: TunnelOptions): Promise<Tunnel> {
  const bin = o.tailscaleBin ?? process.env.OPENCLAW_TELEPHONY_TAILSCALE ?? 'tailscale';
  const tailscale = async (args: string[], signal?: AbortSignal) => {
    try {
      return await run(bin, args, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ConfigError('tunnel.provider is "tailscale-funnel" but the tailscale CLI is not installed (or not on PATH).', 'Install Tailscale, run `tailscale up`, and allow Funnel for this machine in the admin console.', 'tailscale_missing');
      }
      throw err;
    }
  };
  const status = await tailscale(['status', '--json'], o.signal);
  if (status.code !== 0) throw new ConfigError(`tailscale is not running: ${status.stderr.trim() || status.stdout.trim()}`, 'Start it with `tailscale up`.', 'tailscale_down');
  const dnsName = (JSON.parse(status.stdout) as { Self?: { DNSName?: string } }).Self?.DNSName?.replace(/\.$/, '');
  if (!dnsName) throw new ConfigError('tailscale reports no DNS name for this machine.', 'Turn on MagicDNS and HTTPS certificates for the tailnet.', 'tailscale_no_dns');
  const on = await tailscale(['funnel', '--bg', '--yes', String(o.port)], o.signal);
  if (on.code !== 0) throw new ConfigError(`tailscale funnel failed: ${on.stderr.trim() || on.stdout.trim()}`, 'Allow Funnel for this machine in the Tailscale admin console (the "funnel" node attribute).', 'tailscale_funnel');
  return {
    provider: 'tailscale-funnel',
    url: `https://${dnsName}`,
    state: () => 'up',
    close: async () => {
      await tailscale(['funnel', '--https=443', 'off']);
    },
  };
}
