/** The numbers typed for the sandbox's subcommands (handsets, sandbox numbers). */
import { toE164 } from '../../messaging/phone.js';

/**
 * A number typed for a sandbox subcommand, in E.164 as `send` takes it: a typo is refused (exit 2,
 * with the fix) instead of becoming a handset that never hears anything.
 */
export function sandboxNumber(text: string, what: string): string {
  return toE164(String(text), undefined, what, { national: 'none' });
}
