/** `serve`: the long-running webhook server. Logs go to stderr: plain lines, or NDJSON with --json. */
import { UserError } from '../../errors.js';
import { tryItCommands } from '../../onboarding/try-it.js';
import { COUNT_ONLY, createEventBus, type EventBus } from '../../server/events.js';
import { DASHBOARD_HANDSET, startServe } from '../../server/serve.js';
import { VERSION } from '../version.js';
import { formatLogJson, formatLogText } from '../../log.js';
import type { CommandContext } from '../context.js';
import { loadSettings } from '../../config/settings.js';
import { exitCodeAfter, stopRequested } from '../signals.js';

/** Serve's events as log lines on stderr: plain, or NDJSON with --json. */
export function followWithLogLines(events: EventBus, out: CommandContext['out']): void {
  events.subscribe(({ type, fields }) => {
    if (COUNT_ONLY.has(type)) return;
    if (out.json) out.stderr.write(formatLogJson(type, fields) + '\n');
    else if (!out.quiet || type === 'warning') out.stderr.write(formatLogText(type, fields) + '\n');
  });
}

export async function serve(ctx: CommandContext): Promise<number> {
  const { opts, out, global } = ctx;
  const port = opts.port === undefined ? undefined : Number(opts.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UserError(`--port ${opts.port} is not a port number`, { code: 'invalid_port', hint: 'A whole number from 0 to 65535 (0 picks a free port).' });
  }
  const publicUrl = opts.publicUrl as string | undefined;
  if (publicUrl && !/^https?:\/\/[^\s/]+/.test(publicUrl)) throw new UserError(`--public-url ${publicUrl} is not a URL`, { code: 'invalid_url', hint: 'e.g. https://bot.example.com' });
  // The live dashboard on a terminal; plain log lines (NDJSON with --json) elsewhere, in CI, or on request.
  const dashboard = process.stdout.isTTY === true && process.stdin.isTTY === true && !process.env.CI && opts.dashboard !== false && !out.json;
  // One bus: the dashboard model, or the log lines (plain, NDJSON with --json), follow it.
  const events = createEventBus();
  const dashboardModule = dashboard ? await import('../../dashboard/model.js') : undefined;
  const model = dashboardModule?.createDashboardModel();
  if (model) dashboardModule!.followBus(model, events);
  else followWithLogLines(events, out);
  const stopped = stopRequested();
  // A long-running server logs what slipped through instead of dying of it.
  process.on('unhandledRejection', (err) => events.emit('error', { message: err instanceof Error ? err.message : String(err) }));
  const settings = await loadSettings(global);
  // A stop request during start-up aborts it: what was started is undone and serve exits as after a stop.
  const starting = new AbortController();
  void stopped.then(() => starting.abort());
  let running;
  try {
    running = await startServe(settings, { port, bind: opts.bind as string | undefined, publicUrl, sandbox: global.sandbox, configureNumber: opts.configureNumber === true, tunnel: opts.tunnel as 'ngrok' | 'tailscale-funnel' | 'none' | undefined, signal: starting.signal, events, version: VERSION });
  } catch (err) {
    if (starting.signal.aborted) return exitCodeAfter(await stopped);
    throw err;
  }
  if (model) {
    const { runDashboard } = await import('./serve-dashboard.js');
    const header = {
      publicUrl: running.publicUrl,
      tunnel: running.tunnel ? running.tunnel.provider : 'none',
      signatures: running.signatures,
      policy: settings.resolution.config.inboundPolicy,
      sandboxNumber: running.sandbox?.number,
      tryIt: running.sandbox && tryItCommands({ number: running.sandbox.number, handset: DASHBOARD_HANDSET }),
    };
    const exitCode = await runDashboard({ model, header, operator: running.operator, stopped, fallBack: () => followWithLogLines(events, out), out });
    await running.close();
    return exitCode;
  }
  const ready = { url: running.url, publicUrl: running.publicUrl, tunnel: running.tunnel ?? null, webhook: running.publicUrl + settings.resolution.config.serve.path, sandbox: running.sandbox ?? null, policy: settings.resolution.config.inboundPolicy };
  if (out.json) out.line(ready);
  else {
    out.stdout.write(
      [
        `serve listening on ${running.url}`,
        `  webhook URL   ${ready.webhook}`,
        `  policy        ${ready.policy}`,
        ...(running.sandbox
          ? [
              `  sandbox       ${running.sandbox.baseUrl}${running.sandbox.inProcess ? ' (in this process)' : ''}, number ${running.sandbox.number}`,
              'Try it from another terminal:',
              ...tryItCommands({ number: running.sandbox.number, handset: DASHBOARD_HANDSET }).map((c) => `  ${c}`),
            ]
          : []),
        'Ctrl-C stops it.',
        '',
      ].join('\n'),
    );
  }
  const signal = await stopped;
  events.emit('stopping', {});
  await running.close();
  return exitCodeAfter(signal);
}
