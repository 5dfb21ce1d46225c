/** Runs a standalone program: parse, run the command, map errors to output and exit codes. */
import { type Command, CommanderError } from 'commander';
import { ExitCode, UserError } from '../errors.js';
import { createOutput } from './output.js';
import { reportError } from './report-error.js';
import { commandPrefix } from '../command-prefix.js';

export async function runProgram(program: Command, argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const out = createOutput({ json, quiet: argv.includes('--quiet'), color: !argv.includes('--no-color') });
  for (const cmd of allCommands(program)) {
    cmd.exitOverride();
    // Commander's own messages become our errors, so --json gets a JSON error too.
    cmd.configureOutput({ outputError: () => {} });
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') {
        process.exitCode = 0;
        return;
      }
      if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') {
        // No command (or a group without its subcommand): the help went to stderr; a script asking
        // for --json still gets its one JSON document on stdout, an error saying what is missing.
        process.exitCode = out.json
          ? reportError(new UserError('No command given: the help is on stderr.', { code: 'usage', hint: `\`${commandPrefix()} --help\` lists the commands; a group lists its own (\`${commandPrefix()} numbers --help\`).` }), out)
          : ExitCode.usage;
        return;
      }
      process.exitCode = reportError(
        new UserError(err.message.replace(/^error: /, ''), { code: 'usage', hint: 'See --help for the commands and options.' }),
        out,
      );
      return;
    }
    process.exitCode = reportError(err, out);
  }
}

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap((c) => allCommands(c as Command))];
}
