/** Entry point of the `openclaw-telephony` binary for `send`: the send-only tree (standalone-root.ts). */
import { runProgram } from './run-program.js';
import { buildSendProgram } from './standalone-root.js';

export { loadedQueryBuilder } from '../store/open-store.js';

export function run(argv: string[]): Promise<void> {
  return runProgram(buildSendProgram(), argv);
}
