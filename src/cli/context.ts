/** What every command action receives: the global options and an Output built from them. */
import type { Command } from 'commander';
import { createOutput, type Output } from './output.js';
import { carryFlags } from '../command-prefix.js';

export interface GlobalOptions {
  config?: string;
  profile?: string;
  json?: boolean;
  quiet?: boolean;
  /** false with --no-color */
  color?: boolean;
  sandbox?: boolean;
}

export interface CommandContext {
  global: GlobalOptions;
  out: Output;
  /** The command's own options (without the globals). */
  opts: Record<string, unknown>;
  /** The process exits as soon as the command returns (the `send` binary): a store may be closed for that (Store.closeForExit). */
  exitsWhenDone: boolean;
}

const treeRoots = new WeakSet<Command>();
const exitingRoots = new WeakSet<Command>();

/** Marks the command this tool's tree hangs from: global options are read up to it, never above. */
export function markTreeRoot(root: Command): void {
  treeRoots.add(root);
}

/** Marks a tree whose process exits as soon as its command returns: only its runner may say so (cli/send-main.ts). */
export function markExitsWhenDone(root: Command): void {
  exitingRoots.add(root);
}

/** `command` and its parents up to the tree root, the root first. */
function treeChain(command: Command): Command[] {
  const chain: Command[] = [];
  for (let c: Command | null = command; c; c = treeRoots.has(c) ? null : c.parent) chain.unshift(c);
  return chain;
}

/**
 * The options of `command` and its parents up to the tree root. Inside OpenClaw the root's parent is
 * OpenClaw's program, whose options (its own `--profile`, for one) mean something else.
 */
function treeOptions(chain: Command[]): Record<string, unknown> {
  // Inside OpenClaw every command repeats the global options (see program.ts): a value the user gave
  // on any command wins over another command's default.
  const merged: Record<string, unknown> = {};
  for (const c of chain) {
    for (const [key, value] of Object.entries(c.opts())) {
      if (!(key in merged) || c.getOptionValueSource(key) !== 'default') merged[key] = value;
    }
  }
  return merged;
}

export function createContext(command: Command): CommandContext {
  const chain = treeChain(command);
  const { telephonyProfile, ...rest } = treeOptions(chain);
  const global = { ...rest, profile: (telephonyProfile as string | undefined) ?? (rest.profile as string | undefined) } as GlobalOptions;
  // Hints repeat the command line's --sandbox, --config and --profile (command-prefix.ts).
  carryFlags(global);
  return { global, out: createOutput({ json: global.json, quiet: global.quiet, color: global.color }), opts: command.opts(), exitsWhenDone: exitingRoots.has(chain[0]) };
}
