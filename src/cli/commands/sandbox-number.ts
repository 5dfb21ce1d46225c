/** The numbers typed for the sandbox's subcommands (handsets, sandbox numbers). */
import { UserError } from '../../errors.js';
import { toE164 } from '../../messaging/phone.js';

/** The fix for each kind of number a sandbox subcommand takes. */
const FIXES = {
  from: "--from is the simulated handset: any E.164 number that is not one of the sandbox's, for example --from +15550001111.",
  handset: "A handset is any E.164 number that is not one of the sandbox's, for example +15550001111.",
  to: "--to is one of the sandbox's numbers (`sandbox` printed them), in E.164 form such as +15550005678.",
};

/**
 * A number typed for a sandbox subcommand, in E.164 as `send` takes it: a typo is refused (exit 2,
 * with the fix) instead of becoming a handset that never hears anything.
 */
export function sandboxNumber(text: string, what: string, kind: keyof typeof FIXES): string {
  try {
    return toE164(String(text), undefined, what, { national: 'none' });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(err.message, { code: err.code, hint: FIXES[kind] });
  }
}
