/** Spawns the real CLI (bin/openclaw-telephony.js) as a user would, in an isolated home. */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
export const BIN = path.join(REPO, 'bin/openclaw-telephony.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh home: config, data and working folders of its own, and no Twilio variables. */
export function isolatedEnv(extra: Record<string, string | undefined> = {}): { env: NodeJS.ProcessEnv; home: string; cwd: string } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'oct-home-'));
  const cwd = path.join(home, 'work');
  mkdirSync(cwd);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(TWILIO_|OPENCLAW_|NGROK_)/.test(k)) continue;
    env[k] = v;
  }
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    NO_COLOR: '1',
    // Its own preferred sandbox port (below Linux's ephemeral range): a test's `serve --sandbox` must
    // not join a sandbox that a test running beside it started on the shared default 4010.
    OPENCLAW_TELEPHONY_SANDBOX_PORT: String(10_000 + Math.floor(Math.random() * 20_000)),
    ...extra,
  });
  return { env, home, cwd };
}

/** The binary is `openclaw-telephony` (no `telephony` word): a leftover `[...]` fails loudly. */
function checkArgs(args: string[]): void {
  if (args[0] === 'telephony') throw new Error("The CLI under test is openclaw-telephony: drop the leading 'telephony' word from the arguments.");
}

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; /** Standard input: text (written as UTF-8) or bytes as they are. */ input?: string | Buffer; bin?: string; uid?: number; gid?: number } = {}): Promise<CliResult> {
  checkArgs(args);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.bin ?? BIN, ...args], { env: opts.env ?? process.env, cwd: opts.cwd ?? REPO, uid: opts.uid, gid: opts.gid, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** `openclaw-telephony <args>` */
export const telephony = (args: string[], opts: Parameters<typeof runCli>[1] = {}) => runCli([...args], opts);

/** Starts a long-running command (e.g. `sandbox --json`) and resolves with its first stdout line. */
export async function startCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  checkArgs(args);
  const child = spawn(process.execPath, [BIN, ...args], { env: opts.env ?? process.env, cwd: opts.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const firstLine = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const nl = stdout.indexOf('\n');
      if (nl >= 0) resolve(stdout.slice(0, nl));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before printing a line: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, firstLine, exited, stdout: () => stdout, stderr: () => stderr, stop: async (signal: NodeJS.Signals = 'SIGTERM') => (child.kill(signal), exited) };
}
