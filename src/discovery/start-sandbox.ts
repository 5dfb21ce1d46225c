/** Starting a sandbox that other commands can find (kept apart so `send` never loads the sandbox). */
import type { SandboxOptions } from '../sandbox/context.js';
import { startSandbox, type Sandbox } from '../sandbox/server.js';
import { httpRequest } from '../twilio/http-transport.js';
import { preferredSandboxPort, readRegisteredSandbox, registerSandbox } from './sandbox-registry.js';

async function answersLikeSandbox(url: string): Promise<boolean> {
  try {
    return (await httpRequest(`${url}/sandbox/v1/health`, { method: 'GET', headers: {}, timeoutMs: 2000 })).status === 200;
  } catch {
    return false; // nothing answers there (refused, timed out): no sandbox
  }
}

/**
 * Starts a sandbox on the preferred port (4010) when it is free, else on a free port, and registers it so other
 * commands find it; its close() unregisters it. An explicit port is taken as given (EADDRINUSE surfaces).
 */
export async function startRegisteredSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  let sandbox: Sandbox;
  if (options.port !== undefined) sandbox = await startSandbox(options);
  else {
    sandbox = await startSandbox({ ...options, port: preferredSandboxPort() }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') throw err;
      return startSandbox({ ...options, port: 0 });
    });
  }
  // A registered entry whose process id was reused by something else no longer answers: replace it.
  const registered = readRegisteredSandbox();
  const unregister = registerSandbox(sandbox.baseUrl, { replace: registered !== undefined && !(await answersLikeSandbox(registered.url)) });
  const close = sandbox.close.bind(sandbox);
  return {
    ...sandbox,
    async close() {
      unregister();
      await close();
    },
  };
}
