/**
 * How commands find a running sandbox without being told its port: whoever starts one (`sandbox`,
 * or `serve --sandbox` when it starts its own) writes `sandbox.json` in the data folder naming its
 * URL and process, and removes it on exit. A command with `--sandbox` and no
 * OPENCLAW_TELEPHONY_SANDBOX_URL reads that file; a file left by a process that is gone is ignored.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveAppPaths } from '../config/paths.js';
import { commandPrefix } from '../command-prefix.js';
import { ConfigError, ExitCode, UserError } from '../errors.js';
import { processIsGone } from '../process-alive.js';

/**
 * The port a sandbox takes when it is free: 4010, or OPENCLAW_TELEPHONY_SANDBOX_PORT for a machine
 * where 4010 belongs to something else. Commands never look there by themselves (see locateSandbox).
 */
export function preferredSandboxPort(): number {
  const raw = process.env.OPENCLAW_TELEPHONY_SANDBOX_PORT;
  if (raw === undefined || raw === '') return 4010;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`OPENCLAW_TELEPHONY_SANDBOX_PORT is ${JSON.stringify(raw.slice(0, 20))}, not a port number.`, 'Set it to a port between 1 and 65535, or unset it for 4010.', 'sandbox_port');
  }
  return port;
}

interface RuntimeEntry {
  url: string;
  pid: number;
  startedAt: string;
}

export function sandboxRuntimeFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(resolveAppPaths(env).dataDir, 'sandbox.json');
}

/** The registered sandbox, if its process still runs. */
export function readRegisteredSandbox(file = sandboxRuntimeFile()): RuntimeEntry | undefined {
  let entry: Partial<RuntimeEntry>;
  try {
    entry = JSON.parse(readFileSync(file, 'utf8')) as Partial<RuntimeEntry>;
  } catch {
    return undefined; // no file, or one cut short: nothing registered
  }
  if (typeof entry.url !== 'string' || typeof entry.pid !== 'number' || processIsGone(entry.pid)) return undefined;
  return entry as RuntimeEntry;
}

/**
 * Where `--sandbox` goes: the configured URL (OPENCLAW_TELEPHONY_SANDBOX_URL, twilio.apiBaseUrl), else
 * the one registered in this user's data folder. Never "whatever answers on port 4010": on a shared
 * machine or CI runner that is another user's sandbox, whose account, numbers and queue would be
 * used (trial H2). With neither, the error says how to start one or name one.
 */
export function locateSandbox(configured: string | undefined): string {
  const url = configured ?? readRegisteredSandbox()?.url;
  if (url === undefined) {
    // The exit code of a sandbox that does not answer: in both cases there is no sandbox of this user's to talk to.
    throw new UserError(`No sandbox is registered in ${resolveAppPaths(process.env).dataDir} (this user's data folder), and none is named.`, {
      code: 'sandbox_not_found',
      exitCode: ExitCode.network,
      hint: `${sandboxNotRunningHint('')} To use a sandbox started elsewhere, name it: OPENCLAW_TELEPHONY_SANDBOX_URL=http://127.0.0.1:PORT.`,
    });
  }
  return url.replace(/\/+$/, '');
}

/**
 * Names `url` in the runtime file. Unless `replace` is set, a live sandbox registered there already
 * stays (the first one started is the one commands find). Returns the function that removes the entry.
 */
export function registerSandbox(url: string, opts: { replace?: boolean; file?: string } = {}): () => void {
  const file = opts.file ?? sandboxRuntimeFile();
  if (!opts.replace && readRegisteredSandbox(file)) return () => {};
  const entry: RuntimeEntry = { url, pid: process.pid, startedAt: new Date().toISOString() };
  mkdirSync(path.dirname(file), { recursive: true });
  // Written aside and renamed, so a reader never sees half a file.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(entry) + '\n');
  renameSync(temp, file);
  return () => {
    try {
      const current = JSON.parse(readFileSync(file, 'utf8')) as Partial<RuntimeEntry>;
      if (current.pid === process.pid && current.url === url) rmSync(file, { force: true });
    } catch {
      // Already gone (or replaced by something unreadable that is not ours): nothing to remove.
    }
  };
}

/** The fix for "no sandbox answers at URL": depends on where the URL came from. */
export function sandboxNotRunningHint(url: string): string {
  const fromEnv = process.env.OPENCLAW_TELEPHONY_SANDBOX_URL?.replace(/\/+$/, '');
  if (fromEnv && fromEnv === url.replace(/\/+$/, '')) {
    return 'OPENCLAW_TELEPHONY_SANDBOX_URL names it: correct it, or unset it so commands find a running sandbox by themselves.';
  }
  return (
    'Start one in another terminal with `' + commandPrefix() + ' serve --sandbox` (the server, its agent and a sandbox) or `' + commandPrefix() + ' sandbox` (the sandbox alone); ' +
    'commands with --sandbox find it by themselves.'
  );
}
