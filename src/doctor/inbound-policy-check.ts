/**
 * doctor's word on who can reach the agent: a number open to everyone is worth a warning even when
 * it is meant (anyone can run up agent turns and replies, within serve.inboundLimits), and "open"
 * without "*" in allowFrom is the configuration error serve refuses to start with.
 */
import { ExitCode } from '../errors.js';
import { commandPrefix } from '../command-prefix.js';
import type { Check } from './checks.js';

export const inboundPolicyCheck: Check = async ({ resolution }) => {
  const name = 'inbound-policy';
  if (!resolution) return { name, status: 'fail', detail: 'skipped: the configuration did not load', exitCode: ExitCode.config };
  const { inboundPolicy, allowFrom, fromNumber, serve } = resolution.config;
  const crossed = resolution.problems.find((p) => p.severity === 'error' && (p.path === 'inboundPolicy' || p.path === 'allowFrom'));
  if (crossed) return { name, status: 'fail', detail: crossed.message, fix: crossed.hint, exitCode: ExitCode.config };
  const number = fromNumber ?? 'the number';
  if (inboundPolicy === 'open') {
    const limits = serve.inboundLimits;
    return {
      name,
      status: 'warn',
      detail: `${number} is open to everyone (inboundPolicy "open", allowFrom ["*"]): any sender reaches the agent, limited only to ${limits.perSender} texts per sender and ${limits.total} in all per ${limits.windowSeconds} s`,
      fix: `If the number is not meant to be public, use inboundPolicy "pairing" (strangers get a code you approve with \`${commandPrefix()} pairing approve\`) or "allowlist".`,
    };
  }
  const listed = allowFrom.length;
  const who = { disabled: 'nobody reaches the agent (texts are stored, unanswered)', allowlist: `only the ${listed} number(s) in allowFrom and approved senders reach the agent`, pairing: 'strangers get a pairing code; only approved senders and allowFrom reach the agent' }[inboundPolicy];
  return { name, status: 'pass', detail: `inboundPolicy "${inboundPolicy}": ${who}` };
};
