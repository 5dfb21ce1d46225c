/** The standalone program, `openclaw-telephony ...`: the command tree on a commander program of its own. */
import { Command } from 'commander';
import { registerTelephonyTree } from './program.js';

export function buildProgram(): Command {
  const program = new Command('openclaw-telephony');
  program.configureHelp({ showGlobalOptions: true });
  return registerTelephonyTree(program, 'standalone');
}
