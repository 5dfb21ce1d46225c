/**
 * The words that start one of this tool's commands on the user's machine, for every hint and printed
 * command: `openclaw telephony` inside OpenClaw (the plugin), `openclaw-telephony` when the package's
 * binary is on the PATH, and `npx openclaw-telephony` from a clone, where no binary is on the PATH
 * (`npm start` or `node bin/openclaw-telephony.js`): npx runs the clone's own binary, so the printed
 * command works as printed there too.
 */
export type CommandHost = 'standalone' | 'openclaw';

let host: CommandHost = 'standalone';

/** Called once by the OpenClaw plugin entry: from then on hints say `openclaw telephony ...`. */
export function setCommandHost(next: CommandHost): void {
  host = next;
}

/** How the running process was started, judged from its script path (argv[1]). */
export function prefixForScript(script: string | undefined): string {
  if (!script) return 'openclaw-telephony';
  const parts = script.split(/[\\/]+/); // either separator: Windows paths too
  // npx links the package under ~/.npm/_npx/<hash>/node_modules/.bin.
  if (parts.includes('_npx')) return 'npx openclaw-telephony';
  // `node <clone>/bin/openclaw-telephony.js`: a clone, not an installed package (which lives under
  // node_modules, or is reached through a PATH link without the .js suffix).
  if (parts[parts.length - 1] === 'openclaw-telephony.js' && !parts.includes('node_modules')) return 'npx openclaw-telephony';
  return 'openclaw-telephony';
}

/** Whether this process runs inside OpenClaw (the plugin), where OpenClaw's openclaw.json is the natural home of the config. */
export function insideOpenClaw(): boolean {
  return host === 'openclaw';
}

/** The prefix for this process. */
export function commandPrefix(): string {
  return host === 'openclaw' ? 'openclaw telephony' : prefixForScript(process.argv[1]);
}

/** A complete command line as the user should type it, e.g. `cliCommand('auth login')`. */
export function cliCommand(rest: string): string {
  return `${commandPrefix()} ${rest}`;
}

/**
 * The global flags the user typed that decide what a command talks to: `--sandbox` (the sandbox, not
 * Twilio), `--config FILE` and `--profile NAME` (another file, another account). A printed command that
 * dropped them would run against something else (`numbers buy ... --yes` against the real account).
 */
let carried = '';

/** Set once per command from its global options (src/cli/context.ts). */
export function carryFlags(flags: { sandbox?: boolean; config?: string; profile?: string }): void {
  const quote = (v: string) => (/^[\w@%+=:,./\\-]+$/.test(v) ? v : `"${v.replace(/"/g, '\\"')}"`);
  const profileFlag = host === 'openclaw' ? '--telephony-profile' : '--profile';
  carried = [flags.sandbox ? '--sandbox' : '', flags.config ? `--config ${quote(flags.config)}` : '', flags.profile ? `${profileFlag} ${quote(flags.profile)}` : ''].filter(Boolean).join(' ');
}

/** A command to print in a hint, with the flags that matter carried over: `hintCommand('numbers list')`. */
export function hintCommand(rest: string): string {
  return `${commandPrefix()} ${rest}${carried ? ` ${carried}` : ''}`;
}
