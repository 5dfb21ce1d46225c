/**
 * `serve` with its live dashboard: runs until the operator quits (q, Ctrl-C) or a stop request.
 * The dashboard is a view, never a reason for the server to die: if it fails (an exception in its
 * input handling or rendering), it is taken down, serve says so once and goes on with plain log
 * lines until a stop request, still answering webhooks.
 */
import { ExitCode } from '../../errors.js';
import type { DashboardActions, DashboardHeader } from '../../dashboard/dashboard.js';
import type { DashboardModel } from '../../dashboard/model.js';
import { renderDashboard } from '../../dashboard/render.js';
import { safeForTerminal } from '../../text/terminal-safe.js';
import type { CommandContext } from '../context.js';
import { exitCodeAfter } from '../signals.js';

export interface DashboardRun {
  model: DashboardModel;
  header: DashboardHeader;
  operator: Omit<DashboardActions, 'quit'>;
  /** Resolves on Ctrl-C or a termination request. */
  stopped: Promise<NodeJS.Signals>;
  /** Switches serve's output to log lines, once the dashboard is gone. */
  fallBack(): void;
  out: CommandContext['out'];
}

/** Returns serve's exit code: 0 after q, 130 after Ctrl-C, as after a signal otherwise. */
export async function runDashboard(run: DashboardRun): Promise<number> {
  let quitByKey = false;
  let quit = () => {};
  const quitting = new Promise<void>((resolve) => (quit = () => ((quitByKey = true), resolve())));
  const view = renderDashboard({ model: run.model, header: run.header, actions: { ...run.operator, quit } });
  const failed = view.done.then(
    () => undefined,
    (err: unknown) => err ?? new Error('the dashboard failed'),
  );
  const ended = await Promise.race([run.stopped.then((signal) => ({ signal })), quitting.then(() => ({})), failed.then((error) => ({ error }))]);
  try {
    view.unmount();
  } catch {
    // A dashboard that failed may fail again while it is taken down; serve goes on regardless.
  }
  if ('error' in ended && ended.error) return goOnWithoutDashboard(run, ended.error);
  // q is a normal end; Ctrl-C (a signal, or the key in the dashboard's raw mode) is "interrupted".
  return 'signal' in ended ? exitCodeAfter(ended.signal) : quitByKey ? 0 : ExitCode.interrupted;
}

async function goOnWithoutDashboard(run: DashboardRun, error: unknown): Promise<number> {
  const reason = safeForTerminal(error instanceof Error ? error.message : String(error), { max: 300 });
  run.out.stderr.write(`\nThe dashboard stopped after an error (${reason}); serve goes on with plain log lines. Ctrl-C stops it.\n`);
  run.fallBack();
  return exitCodeAfter(await run.stopped);
}
