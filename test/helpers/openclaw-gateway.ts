/**
 * A dev OpenClaw Gateway on loopback for the channel tests: `openclaw gateway run --dev
 * --allow-unconfigured --auth none --port P` in the test's OpenClaw home, started in its own process
 * group (it starts helpers of its own) and stopped with it.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { vi } from 'vitest';
import { OPENCLAW_BIN, withoutVitestEnv } from './openclaw.js';

export interface DevGateway {
  port: number;
  url: string;
  /** Everything the Gateway printed so far (its log lines, the channel's among them). */
  output(): string;
  stop(): Promise<void>;
}

/** A port free right now on loopback (the Gateway takes a fixed one; the race with other tests is theirs to lose: ports come from the kernel's ephemeral range). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startDevGateway(port: number, env: NodeJS.ProcessEnv, cwd: string): Promise<DevGateway> {
  const child = spawn(OPENCLAW_BIN!, ['gateway', 'run', '--dev', '--allow-unconfigured', '--auth', 'none', '--port', String(port)], { env: withoutVitestEnv(env), cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let gone = false;
  const died = exited.then((code) => {
    gone = true;
    throw new Error(`the Gateway exited (${code}) before it was ready:\n${output.slice(-4000)}`);
  });
  died.catch(() => undefined);
  const ready = vi.waitFor(
    () => {
      if (!/\[gateway\][^\n]*\bready\b/.test(output)) throw new Error(`the Gateway is not ready yet:\n${output.slice(-2000)}`);
    },
    { timeout: 300_000, interval: 500 },
  );
  await Promise.race([ready, died]);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      if (gone) return;
      // The whole group: the Gateway and the helpers it spawned. OpenClaw drains within its shutdown
      // budget, which a loaded machine can stretch; past a minute the group is killed.
      process.kill(-child.pid!, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 60_000)));
      const outcome = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (outcome === 'late') {
        process.kill(-child.pid!, 'SIGKILL');
        await exited;
      }
    },
  };
}
