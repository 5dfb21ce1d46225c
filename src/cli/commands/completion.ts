/** `completion <shell>`: prints a completion script generated from the command tree. */
import { buildCompletionTable } from '../../completion/command-table.js';
import { renderCompletion, type Shell } from '../../completion/scripts.js';
import type { CommandContext } from '../context.js';
import { buildProgram } from '../standalone-program.js';

export function completionScript(shell: Shell): string {
  return renderCompletion(shell, buildCompletionTable(buildProgram()));
}

export async function completion(ctx: CommandContext, shell: string): Promise<number> {
  ctx.out.stdout.write(completionScript(shell as Shell));
  return 0;
}
