/** Entry point of the `openclaw-telephony` binary for `send`: the send-only tree (standalone-root.ts). */
import { markExitsWhenDone } from './context.js';
import { runProgram } from './run-program.js';
import { buildSendProgram } from './standalone-root.js';

export { loadedQueryBuilder } from '../store/open-store.js';

/**
 * Runs the command, then ends the process once its output is written. The tree is marked as one whose
 * process exits when done, so `send` closes its store for the exit (Store.closeForExit): left to Node's
 * own teardown, better-sqlite3 would close the SQLite file the usual way, with the checkpoint that
 * closeForExit exists to leave out.
 */
export async function run(argv: string[]): Promise<void> {
  const program = buildSendProgram();
  markExitsWhenDone(program);
  await runProgram(program, argv);
  await Promise.all([written(process.stdout), written(process.stderr)]);
  // Without a code: process.exitCode, as runProgram set it. 'exit' listeners still run (the code cache's writer).
  process.exit();
}

/**
 * Resolves once what was written to `stream` before has gone out: on Windows a pipe or a console takes
 * writes asynchronously, and process.exit() would cut them off. An empty write's callback comes after
 * theirs (or with an error, a closed pipe: nothing more can go out either way).
 */
function written(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
