/**
 * Which bundle the binary loads for these arguments: `send` gets the send-only tree
 * (standalone-root.ts), every other command the full one. Only global options may come before the
 * command word; anything else there (`-h`, `--version`, an unknown option, `--`) goes to the full tree,
 * which answers it as always. Loaded by bin/openclaw-telephony.js before any bundle, so it imports nothing.
 */
export type BinEntry = 'main' | 'send';

/** The root's options that take a value (`--config <file>`, `--profile <name>`); a test keeps this equal to the program's. */
export const ROOT_VALUE_OPTIONS = ['--config', '--profile'];
/** The root's options that take none. */
export const ROOT_FLAG_OPTIONS = ['--json', '--quiet', '--no-color', '--sandbox'];

export function binEntryFor(args: readonly string[]): BinEntry {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (ROOT_VALUE_OPTIONS.includes(arg)) i++;
    else if (ROOT_FLAG_OPTIONS.includes(arg) || ROOT_VALUE_OPTIONS.some((o) => arg.startsWith(`${o}=`))) continue;
    else return arg === 'send' ? 'send' : 'main';
  }
  return 'main';
}
