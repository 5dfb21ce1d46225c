/**
 * One sandbox for a test file, and an isolated CLI environment that sends through it (a SQLite store
 * in the work folder, the sandbox's first number as the sender), started and closed with the file.
 */
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv } from './cli.js';

export function useSandboxCli(): { env: NodeJS.ProcessEnv; cwd: string; sandbox: () => Sandbox } {
  let sb: Sandbox;
  const { env, cwd } = isolatedEnv();
  beforeAll(async () => {
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
    Object.assign(env, { OPENCLAW_TELEPHONY_STORE_URL: path.join(cwd, 'store.sqlite'), OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber });
  });
  afterAll(() => sb.close());
  return { env, cwd, sandbox: () => sb };
}
