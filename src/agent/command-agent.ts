/**
 * The command agent: a local program run once per turn, the turn as JSON on stdin, the reply on
 * stdout. It runs with an allowlisted environment (child-env.ts), and on a timeout or at shutdown
 * its whole process tree is killed (process-tree.ts), so nothing it started outlives the turn.
 */
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Agent } from './agent.js';
import { type ReplyWithMedia, structuredReply } from './structured-reply.js';
import { agentEnvironment } from './child-env.js';
import { killTree, TREE_SPAWN_OPTIONS } from './process-tree.js';

const OUTPUT_MAX = 64 * 1024;

/**
 * The program's stdout: plain text is the reply; a JSON object with "reply" and/or "media" is a reply
 * with attachments (`{"reply": "Here it is", "media": ["./chart.png"]}`), as the http agent answers.
 */
function replyOf(stdout: string): string | ReplyWithMedia | null {
  if (stdout.startsWith('{')) {
    try {
      const structured = structuredReply(JSON.parse(stdout));
      if (structured !== undefined) return structured;
    } catch {
      // Not JSON after all: the text is the reply.
    }
  }
  return stdout || null;
}

/**
 * `agent.command`: a list is the program and its arguments, run directly (no shell: paths with spaces
 * need no quoting, and on Windows it must be an .exe, since Node runs .cmd and .bat files only through
 * a shell); a string is a command line for the system shell, so "python agent.py" or
 * "powershell -File agent.ps1" work as typed. Either way it is the operator's configuration; the
 * stranger's text goes on stdin only.
 */
function spawnAgent(command: string | readonly string[], env: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  const options = { stdio: 'pipe' as const, env, ...TREE_SPAWN_OPTIONS };
  return typeof command === 'string' ? spawn(command, { ...options, shell: true }) : spawn(command[0], command.slice(1), { ...options, shell: false });
}

/** The program of agent.command could not be started: say which, and what to change. */
function notStarted(command: string | readonly string[], err: NodeJS.ErrnoException): Error {
  const program = typeof command === 'string' ? 'the system shell' : JSON.stringify(command[0]);
  const fix = typeof command === 'string' ? 'check that a shell exists (sh, or cmd.exe on Windows)' : 'give its full path or put its folder on PATH (a list runs an .exe directly; for a .cmd, .bat or .ps1 script use a command line string)';
  return new Error(`agent command: ${program} could not be started (${err.code ?? err.message}); ${fix}`);
}

export function createCommandAgent(command: string | readonly string[], timeoutMs: number, envNames: readonly string[] = []): Agent {
  // Each running turn: its child and how to fail it (at a timeout or at shutdown).
  const running = new Map<ChildProcess, (reason: Error) => void>();
  const stop = (child: ChildProcess, reason: Error) => {
    const fail = running.get(child);
    running.delete(child);
    killTree(child);
    fail?.(reason);
  };
  return {
    kind: 'command',
    running: () => running.size,
    turn: (t, opts) =>
      new Promise((resolve, reject) => {
        if (opts?.signal?.aborted) return reject(opts.signal.reason);
        const child = spawnAgent(command, agentEnvironment(process.env, envNames));
        running.set(child, reject);
        // A cancelled turn stops the program and everything it started, as a timeout does.
        opts?.signal?.addEventListener('abort', () => stop(child, opts.signal!.reason as Error), { once: true });
        let stdout = '';
        let stderr = '';
        const timer = setTimeout(() => stop(child, new Error(`agent command took longer than agent.timeoutMs (${timeoutMs} ms); it and every process it started were stopped`)), timeoutMs);
        child.stdout.on('data', (d) => stdout.length < OUTPUT_MAX && (stdout += d));
        child.stderr.on('data', (d) => stderr.length < OUTPUT_MAX && (stderr += d));
        // A child that exits before reading its input closes the pipe: the exit code tells the story.
        child.stdin.on('error', () => {});
        child.on('error', (err) => {
          clearTimeout(timer);
          running.delete(child);
          reject(notStarted(command, err));
        });
        // What the program left behind in its group goes with the turn (and would hold our pipes open).
        child.on('exit', () => killTree(child));
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          if (!running.delete(child)) return; // already failed by a timeout or shutdown
          if (code === 0) resolve(replyOf(stdout.trim()));
          else reject(new Error(`agent command ${signal ? `was stopped (${signal})` : `exited ${code}`}: ${stderr.trim().slice(0, 200)}`));
        });
        child.stdin.end(JSON.stringify(t));
      }),
    async close() {
      for (const child of [...running.keys()]) stop(child, new Error('serve is stopping: the agent command was stopped'));
    },
  };
}
