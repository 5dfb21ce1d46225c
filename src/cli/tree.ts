/**
 * What every command tree is built from: the lazy action (the command module loads when the action
 * runs) and the global options. Shared by the full tree (program.ts) and the send-only tree
 * (send-program.ts) that the binary loads for `send`.
 */
import type { Command } from 'commander';
import { type CommandContext, createContext, markTreeRoot } from './context.js';
import { VERSION } from './version.js';

type Handler = (ctx: CommandContext, ...args: string[]) => Promise<number | void>;

/** An action that loads its module on demand and records the exit code it returns. */
export function lazy(load: () => Promise<Record<string, unknown>>, name: string) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const positional = args.slice(0, command.registeredArguments.length) as string[];
    const ctx = createContext(command);
    try {
      const handler = (await load())[name] as Handler;
      const code = await handler(ctx, ...positional);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      // Reported here rather than by the caller of parse: inside OpenClaw, OpenClaw is that caller.
      process.exitCode = (await import('./report-error.js')).reportError(err, ctx.out);
    }
  };
}

export function addGlobalOptions(cmd: Command, host: TreeHost): Command {
  // Inside OpenClaw, `--profile` is OpenClaw's own (its state folder): this tool's profiles are
  // `--telephony-profile` there, so the two never collide.
  const profileFlag = host === 'openclaw' ? '--telephony-profile <name>' : '--profile <name>';
  return cmd
    .option('--config <file>', 'use this configuration file')
    .option(profileFlag, 'use another credential set and config overlay (also OPENCLAW_TELEPHONY_PROFILE)')
    .option('--json', 'print one JSON document on stdout (NDJSON for streams)')
    .option('--quiet', 'print only results and errors')
    .option('--no-color', 'plain text without colours')
    .option('--sandbox', 'use the local Twilio sandbox (OPENCLAW_TELEPHONY_SANDBOX_URL)');
}

/** Where the tree is mounted: its own program (`openclaw-telephony`) or OpenClaw's `telephony` command. */
export type TreeHost = 'standalone' | 'openclaw';

/** Repeatable options collect their values. */
export const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * Mounts a tree on `root`: the description, `--version` (standalone), the commands `register` adds,
 * the global options, then whatever `register` returned to add after them (`completion`, standalone).
 */
export function mountTree(root: Command, host: TreeHost, register: (root: Command) => (() => void) | undefined): Command {
  root.description('the phone line of an AI agent (Twilio)');
  if (host === 'standalone') root.version(VERSION, '-V, --version', 'print the version');
  const after = register(root);
  // OpenClaw parses options positionally (an option belongs to the command it follows), so there the
  // global options are repeated on every command; standalone, commander finds them on the root.
  for (const cmd of host === 'openclaw' ? [root, ...descendants(root)] : [root]) addGlobalOptions(cmd, host);
  after?.();
  markTreeRoot(root);
  return root;
}

function descendants(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...descendants(c)]);
}
