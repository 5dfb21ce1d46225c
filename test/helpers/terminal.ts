/**
 * The CLI in a real terminal (tmux), for what only a terminal shows: the dashboard, progress bars,
 * Ctrl-C in raw mode. Each run has a tmux server of its own (`-L`): on the default server, every test
 * run of the machine shares one server, which exits when its last session is killed, and a session
 * started by another run at that moment is lost with it (the screen then reads empty).
 */
import { spawnSync } from 'node:child_process';
import { BIN } from './cli.js';

export const hasTmux = spawnSync('sh', ['-c', 'command -v tmux'], { stdio: 'ignore' }).status === 0;

export interface TerminalRun {
  /** The tmux session's name, for other tmux commands (its title, options, buffers). */
  session: string;
  /** A tmux command on this run's own server. */
  tmux(...args: string[]): { status: number | null; stdout: string; stderr: string };
  /** What the terminal shows now; after the command ends, a line `EXITED=<code>`. */
  screen(): string;
  keys(...keys: string[]): void;
  kill(): void;
}

/** Runs `openclaw-telephony <args>` in a detached tmux session (its own server) with the given environment, in `cwd`. */
export function runInTerminal(name: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, size = { columns: 160, rows: 40 }): TerminalRun {
  const session = `${name}-${process.pid}`;
  const tmux = (...a: string[]) => spawnSync('tmux', ['-L', session, ...a], { encoding: 'utf8' });
  const envArgs = Object.entries(env)
    .filter(([k, v]) => v !== undefined && /^(HOME|XDG_|OPENCLAW_|PATH$|NO_COLOR)/.test(k))
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  const command = [process.execPath, BIN, ...args].map((w) => `'${w}'`).join(' ');
  // `trap true INT`: Ctrl-C reaches the whole foreground group, this shell too; it must outlive the
  // command to print its exit code (a trap with a command, unlike an ignored signal, is not inherited).
  const started = tmux('new-session', '-d', '-s', session, '-x', String(size.columns), '-y', String(size.rows), `trap true INT; cd '${cwd}' && env -u CI ${envArgs} ${command}; echo EXITED=$?; sleep 60`);
  if (started.status !== 0) throw new Error(`tmux could not start the session: ${started.stderr.trim()}`);
  return {
    session,
    tmux,
    screen: () => {
      const pane = tmux('capture-pane', '-p', '-t', session);
      // An empty screen from a session that is gone says why, instead of failing a poll without a trace.
      return pane.status === 0 ? pane.stdout : `[tmux capture-pane failed: ${pane.stderr.trim()}]`;
    },
    keys: (...keys) => void tmux('send-keys', '-t', session, ...keys),
    kill: () => void tmux('kill-server'),
  };
}
