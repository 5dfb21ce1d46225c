/** OPENCLAW_TELEPHONY_SANDBOX_PORT moves the sandbox's preferred port (never where `--sandbox` looks: only a registered or named sandbox is used). */
import { afterEach, describe, expect, it } from 'vitest';
import { locateSandbox, preferredSandboxPort } from '../../src/discovery/sandbox-registry.js';

const saved = { port: process.env.OPENCLAW_TELEPHONY_SANDBOX_PORT, data: process.env.XDG_DATA_HOME };
afterEach(() => {
  process.env.OPENCLAW_TELEPHONY_SANDBOX_PORT = saved.port;
  if (saved.port === undefined) delete process.env.OPENCLAW_TELEPHONY_SANDBOX_PORT;
  process.env.XDG_DATA_HOME = saved.data;
  if (saved.data === undefined) delete process.env.XDG_DATA_HOME;
});

describe('the preferred sandbox port', () => {
  it('is 4010 unless OPENCLAW_TELEPHONY_SANDBOX_PORT names another', () => {
    delete process.env.OPENCLAW_TELEPHONY_SANDBOX_PORT;
    expect(preferredSandboxPort()).toBe(4010);
    process.env.OPENCLAW_TELEPHONY_SANDBOX_PORT = '14567';
    expect(preferredSandboxPort()).toBe(14567);
    // Nothing registered in an empty data folder: `--sandbox` does not look on the preferred port
    // (another user's sandbox may answer there, trial H2); it names the folder and the fixes.
    process.env.XDG_DATA_HOME = '/nonexistent-oct-data';
    expect(() => locateSandbox(undefined)).toThrow(/No sandbox is registered in .*nonexistent-oct-data/);
    expect(locateSandbox('http://127.0.0.1:14567/')).toBe('http://127.0.0.1:14567');
  });

  it('refuses a value that is not a port, naming the variable and the fix', () => {
    for (const bad of ['abc', '0', '70000', '40.5']) {
      process.env.OPENCLAW_TELEPHONY_SANDBOX_PORT = bad;
      expect(() => preferredSandboxPort()).toThrow(/OPENCLAW_TELEPHONY_SANDBOX_PORT is .* not a port number/);
    }
  });
});
