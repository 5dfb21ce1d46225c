/** Entry point of the `openclaw-telephony` binary for every command but `send` (bin-entry.ts says which). */
import { runProgram } from './run-program.js';
import { buildProgram } from './standalone-program.js';

export function run(argv: string[]): Promise<void> {
  return runProgram(buildProgram(), argv);
}
