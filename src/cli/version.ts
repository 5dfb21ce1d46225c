/** The version, in a module of its own so `--version` can print it without loading commander. */
export const VERSION = '0.1.0';

/** True for `--version` / `-V` alone: the one call answered before the command tree loads. */
export function isBareVersionCall(args: readonly string[]): boolean {
  return args.length === 1 && (args[0] === '--version' || args[0] === '-V');
}
