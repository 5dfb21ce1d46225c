/** The CLI in a real terminal (tmux), for what only a terminal shows: the dashboard, progress bars, Ctrl-C in raw mode. */
import { spawnSync } from 'node:child_process';
import { BIN } from './cli.js';

export const hasTmux = spawnSync('sh', ['-c', 'command -v tmux'], { stdio: 'ignore' }).status === 0;

export interface TerminalRun {
  /** The tmux session's name, for other tmux commands (its title, options, buffers). */
  session: string;
  /** What the terminal shows now; after the command ends, a line `EXITED=<code>`. */
  screen(): string;
  keys(...keys: string[]): void;
  kill(): void;
}

/** Runs `openclaw <args>` in a detached tmux session with the given environment, in `cwd`. */
export function runInTerminal(name: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): TerminalRun {
  const session = `${name}-${process.pid}`;
  const tmux = (...a: string[]) => spawnSync('tmux', a, { encoding: 'utf8' });
  const envArgs = Object.entries(env)
    .filter(([k, v]) => v !== undefined && /^(HOME|XDG_|OPENCLAW_|PATH$|NO_COLOR)/.test(k))
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  const command = [process.execPath, BIN, ...args].map((w) => `'${w}'`).join(' ');
  tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', `cd '${cwd}' && env -u CI ${envArgs} ${command}; echo EXITED=$?; sleep 60`);
  return {
    session,
    screen: () => tmux('capture-pane', '-p', '-t', session).stdout,
    keys: (...keys) => void tmux('send-keys', '-t', session, ...keys),
    kill: () => void tmux('kill-session', '-t', session),
  };
}
