/** The standalone program, `openclaw-telephony ...`: the command tree on a commander program of its own. */
import type { Command } from 'commander';
import { registerTelephonyTree } from './program.js';
import { standaloneRoot } from './standalone-root.js';

export function buildProgram(): Command {
  return registerTelephonyTree(standaloneRoot(), 'standalone');
}
