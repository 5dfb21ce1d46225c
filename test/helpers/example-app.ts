/** A sandbox started as a user would (the CLI), with one of the examples/voice apps pointed at it. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { expect, vi } from 'vitest';
import { isolatedEnv, REPO, startCli } from './cli.js';

export interface ExampleRun {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
  /** The sandbox number the example app answers. */
  number: string;
  stop(): Promise<void>;
}

/** Starts `sandbox --speed <speed>` and `node examples/voice/<app>`, and waits until the app has pointed the number at itself. */
export async function startExample(app: string, speed: number): Promise<ExampleRun> {
  const { env, cwd, home } = isolatedEnv();
  const sandbox = await startCli(['sandbox', '--port', '0', '--json', '--speed', String(speed)], { env, cwd });
  const info = JSON.parse(sandbox.firstLine);
  env.OPENCLAW_TELEPHONY_SANDBOX_URL = info.baseUrl;
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO, 'examples/voice', app)], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  child.stdout!.on('data', (c) => (printed += c));
  await vi.waitFor(() => expect(printed).toContain('now rings it'), { timeout: 10_000 });
  return {
    env,
    cwd,
    home,
    number: info.numbers[0].phoneNumber,
    stop: async () => {
      child.kill();
      await sandbox.stop();
    },
  };
}
