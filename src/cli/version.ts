/** The version, in a module of its own so `--version` can print it without loading commander. */
export const VERSION = '0.1.0';

/** True for `[telephony] --version` / `-V` alone: the one call answered before the command tree loads. */
export function isBareVersionCall(args: readonly string[], telephonyWord: boolean): boolean {
  const rest = telephonyWord ? (args[0] === 'telephony' ? args.slice(1) : null) : args;
  return rest !== null && rest.length === 1 && (rest[0] === '--version' || rest[0] === '-V');
}
