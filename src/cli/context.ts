/** What every command action receives: the global options and an Output built from them. */
import type { Command } from 'commander';
import { createOutput, type Output } from './output.js';

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
}

export function createContext(command: Command): CommandContext {
  const global = command.optsWithGlobals() as GlobalOptions;
  return { global, out: createOutput({ json: global.json, quiet: global.quiet, color: global.color }), opts: command.opts() };
}
