/**
 * The channel's status hooks: `openclaw channels status --probe` (and `openclaw doctor`, which asks a
 * running Gateway for the same) call probeAccount inside the Gateway, then show `probe.ok` ("works" or
 * "probe failed") and the issues collectStatusIssues draws from the probe. The probe is
 * `openclaw telephony doctor --probe`: the configuration's checks, then Twilio's (or the sandbox's)
 * answer about the number's webhook, its recent 11200 alerts and the last delivery. Its result is part
 * of `channels status --json`, so it holds findings with secrets masked, never credentials.
 */
import { CHANNEL_ID } from './channel-id.js';
import type { TelephonyFinding } from './doctor-findings.js';
import type { ChannelAccountSnapshot, OpenClawConfig } from './sdk.js';

export interface TelephonyProbe {
  ok: boolean;
  /** The first failure, which OpenClaw also shows as the account's last error. */
  error?: string;
  findings: TelephonyFinding[];
}

export interface TelephonyStatusIssue {
  channel: string;
  accountId: string;
  kind: 'config' | 'auth' | 'runtime';
  message: string;
  fix?: string;
}

export async function probeTelephonyAccount(cfg: OpenClawConfig): Promise<TelephonyProbe> {
  const [{ collectTelephonyFindings }, { createProbeChecks }] = await Promise.all([import('./doctor-findings.js'), import('../doctor/probe.js')]);
  const findings = await collectTelephonyFindings(cfg, createProbeChecks());
  const failure = findings.find((f) => f.status === 'fail');
  return { ok: !failure, ...(failure ? { error: failure.message } : {}), findings };
}

const KINDS: Record<string, TelephonyStatusIssue['kind']> = { config: 'config', gateway: 'config', 'inbound-policy': 'config', credentials: 'auth' };

function isProbe(value: unknown): value is TelephonyProbe {
  return typeof value === 'object' && value !== null && Array.isArray((value as TelephonyProbe).findings);
}

/** One issue per finding of each account's last probe. */
export function telephonyStatusIssues(accounts: readonly ChannelAccountSnapshot[]): TelephonyStatusIssue[] {
  return accounts.flatMap((account) =>
    isProbe(account.probe) ? account.probe.findings.map((f) => ({ channel: CHANNEL_ID, accountId: account.accountId, kind: KINDS[f.check] ?? 'runtime', message: f.message, ...(f.fix ? { fix: f.fix } : {}) })) : [],
  );
}
