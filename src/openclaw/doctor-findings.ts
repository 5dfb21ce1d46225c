/**
 * What this project finds about the telephony channel as OpenClaw runs it: what keeps the Gateway from
 * running it (no sender, no public URL for Twilio's signatures), then its own checks of the
 * configuration the Gateway runs with (every problem of channels.telephony, the inbound policy, the
 * Twilio credentials and their SecretRef, the store, the webhook URL, signatures), and, for
 * `channels status --probe` (status-probe.ts), what Twilio says of the number. Only what needs attention
 * is returned. No secret is ever in a finding: secret values are masked.
 */
import { commandPrefix, setCommandHost } from '../command-prefix.js';
import { type Check, type CheckResult, type DoctorState, OFFLINE_CONFIG_CHECKS, runChecks } from '../doctor/checks.js';
import { getPath } from '../config/resolve.js';
import { listLeaves } from '../config/schema.js';
import { createKeychainStore } from '../secrets/keychain.js';
import { safeForTerminal } from '../text/terminal-safe.js';
import { resolveTelephonyAccount } from './channel.js';
import { CHANNEL_ID } from './channel-id.js';
import type { OpenClawConfig } from './sdk.js';

const KEY = `channels.${CHANNEL_ID}`;

/** The Gateway starts the account only with a sender and a public URL (or signatures knowingly off). */
function gatewayNeeds(cfg: OpenClawConfig): string[] {
  const s = (cfg.channels?.[CHANNEL_ID] ?? {}) as { twilio?: { messagingServiceSid?: unknown }; skipSignatureVerification?: unknown };
  const account = resolveTelephonyAccount(cfg);
  const lines: string[] = [];
  if (!account.fromNumber && !s.twilio?.messagingServiceSid) {
    lines.push(`${KEY}.fromNumber is not set (nor twilio.messagingServiceSid): the channel has no sender, so the Gateway does not start it. Set the Twilio number, e.g. "+15551234567".`);
  }
  if (!account.publicUrl && s.skipSignatureVerification !== true) {
    lines.push(
      `${KEY}.publicUrl is not set: Twilio's signatures cannot be checked, so the Gateway does not start the channel. Set it to the Gateway's public URL (https://gateway.example.com), then point the number at it: \`${commandPrefix()} numbers configure +15551234567 --to-serve\`.`,
    );
  }
  return lines;
}

/** Every secret this configuration holds or resolves to (in the file by mistake, or from the store, the environment, a SecretRef). */
function secretsOf(state: DoctorState): string[] {
  const secretKeys = listLeaves()
    .filter((l) => l.spec.secret)
    .map((l) => l.path);
  const inFile = secretKeys.map((k) => getPath(state.resolution?.file?.telephony, k));
  const resolved = secretKeys.map((k) => state.credentials?.values[k]);
  return [...inFile, ...resolved].filter((v): v is string | number => (typeof v === 'string' || typeof v === 'number') && String(v).length >= 4).map(String);
}

function masked(line: string, secrets: readonly string[]): string {
  return secrets.reduce((text, secret) => text.split(secret).join('***'), line);
}

/** One thing that needs attention: which check found it, what it is, and the fix (secrets masked). */
export interface TelephonyFinding {
  check: string;
  status: 'warn' | 'fail';
  message: string;
  fix?: string;
}

/**
 * What needs attention in the channel as configured: the Gateway's needs, every problem of the section
 * by its key, then the findings of `checks` (OFFLINE_CONFIG_CHECKS, and the Twilio probe for
 * `channels status --probe`). Empty for a section that is absent or turned off.
 */
export async function collectTelephonyFindings(cfg: OpenClawConfig, extraChecks: readonly Check[] = []): Promise<TelephonyFinding[]> {
  if (cfg.channels?.[CHANNEL_ID] === undefined || !resolveTelephonyAccount(cfg).enabled) return [];
  // Fixes name the commands as they exist beside OpenClaw: `openclaw telephony ...`.
  setCommandHost('openclaw');
  const { results, state } = await runChecks({ keychain: createKeychainStore() }, [...OFFLINE_CONFIG_CHECKS, ...extraChecks]);
  // Without a public URL the Gateway's own line says it better than serve's webhook-url check.
  const needs = gatewayNeeds(cfg);
  const noPublicUrl = needs.some((l) => l.startsWith(`${KEY}.publicUrl`));
  // Every problem of the section by its key (the config check names only the first, and the inbound
  // policy check repeats the one about the policy), then the other checks' findings.
  const problems = (state.resolution?.problems ?? []).map((p): TelephonyFinding => ({ check: 'config', status: p.severity === 'error' ? 'fail' : 'warn', message: `${KEY}${p.path ? `.${p.path}` : ''}: ${p.message}`, fix: p.hint }));
  const listed = (r: CheckResult) => state.resolution && (r.name === 'config' || (r.name === 'inbound-policy' && r.status === 'fail'));
  const shown = results.filter((r) => r.status !== 'pass' && !listed(r) && !(r.name === 'webhook-url' && noPublicUrl));
  const secrets = secretsOf(state);
  const safe = (text: string) => safeForTerminal(masked(text, secrets), { max: 1000 });
  return [
    ...needs.map((message): TelephonyFinding => ({ check: 'gateway', status: 'fail', message })),
    ...problems,
    ...shown.map((r): TelephonyFinding => ({ check: r.name, status: r.status as 'warn' | 'fail', message: `${KEY} (${r.name}): ${r.detail}`, fix: r.fix })),
  ].map((f) => ({ ...f, message: safe(f.message), ...(f.fix ? { fix: safe(f.fix) } : {}) }));
}

/** The findings as lines, in the form OpenClaw's doctor prints a channel's warnings. */
export async function telephonyDoctorFindings(cfg: OpenClawConfig): Promise<string[]> {
  return (await collectTelephonyFindings(cfg)).map((f) => `- ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`);
}
