/**
 * A check between two keys that neither leaf can make alone: inboundPolicy "open" lets anyone who
 * texts or calls the number reach the agent, so, as OpenClaw asks for a public number, it must be
 * confirmed with "*" in allowFrom; a single word (a typo, a copied example) never opens a number. "*"
 * under another policy would read as open while it is not, so it is refused too.
 */
import type { ConfigProblem } from './validate.js';

export interface PolicyKeys {
  inboundPolicy: string;
  allowFrom: readonly string[];
}

/** `where(path)` says where a value came from (a file, an environment variable), so the fix names the right place. */
export function inboundPolicyProblems(config: PolicyKeys, where: (path: string) => string): ConfigProblem[] {
  const wildcard = config.allowFrom.includes('*');
  if (config.inboundPolicy === 'open' && !wildcard) {
    return [
      {
        severity: 'error',
        path: 'inboundPolicy',
        message: `inboundPolicy is "open" (${where('inboundPolicy')}) but allowFrom has no "*": "open" lets everyone who texts the number reach the agent, and needs that confirmed`,
        hint: 'For a number meant to be public, add "*" to allowFrom (allowFrom: ["*"], or OPENCLAW_TELEPHONY_ALLOW_FROM="*"); otherwise use inboundPolicy "pairing" or "allowlist" with the numbers in allowFrom.',
      },
    ];
  }
  if (wildcard && config.inboundPolicy !== 'open') {
    return [
      {
        severity: 'error',
        path: 'allowFrom',
        message: `allowFrom has "*" (${where('allowFrom')}) but inboundPolicy is "${config.inboundPolicy}": "*" admits everyone only with inboundPolicy "open"`,
        hint: `Set inboundPolicy "open" if the number is meant to be public, or remove "*" from allowFrom and list the numbers.`,
      },
    ];
  }
  return [];
}
