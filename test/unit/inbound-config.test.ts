/**
 * The configuration of who may reach the agent and how often: inboundPolicy "open" needs "*" in
 * allowFrom (as OpenClaw asks for a public number), "*" needs "open", and serve.inboundLimits is
 * checked like every other key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { validateTelephony } from '../../src/config/validate.js';
import { ConfigError } from '../../src/errors.js';

const env = { XDG_CONFIG_HOME: '/nonexistent-config', XDG_DATA_HOME: os.tmpdir() };

function configFile(telephony: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-inbound-cfg-'));
  const file = path.join(dir, 'openclaw.config.json5');
  writeFileSync(file, `{\n  channels: {\n    telephony: ${telephony}\n  }\n}\n`);
  return file;
}

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err as ConfigError);

describe('inboundPolicy "open" and "*"', () => {
  it('refuses "open" without "*", naming the variable it came from and the fix', async () => {
    const err = await refusal(resolveConfig({ env: { ...env, OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open' }, cwd: os.tmpdir() }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toContain('inboundPolicy is "open" (from the environment variable OPENCLAW_TELEPHONY_INBOUND_POLICY) but allowFrom has no "*"');
    expect(err!.hint).toContain('add "*" to allowFrom');
    expect(err!.hint).toContain('OPENCLAW_TELEPHONY_ALLOW_FROM="*"');
  });

  it('refuses "open" with only listed numbers in a file, and locates it for config validate', async () => {
    const file = configFile('{ inboundPolicy: "open", allowFrom: ["+15550001111"] }');
    expect((await refusal(resolveConfig({ configFile: file, env })))!.message).toContain(`inboundPolicy is "open" (in ${file})`);
    const tolerant = await resolveConfig({ configFile: file, env, tolerateErrors: true });
    expect(tolerant.problems).toEqual([expect.objectContaining({ severity: 'error', path: 'inboundPolicy' })]);
  });

  it('refuses "*" under another policy', async () => {
    const err = await refusal(resolveConfig({ env: { ...env, OPENCLAW_TELEPHONY_ALLOW_FROM: '*' }, cwd: os.tmpdir() }));
    expect(err!.message).toContain('allowFrom has "*" (from the environment variable OPENCLAW_TELEPHONY_ALLOW_FROM) but inboundPolicy is "pairing"');
    expect(err!.hint).toContain('Set inboundPolicy "open"');
  });

  it('takes "open" with "*", from a file or the environment', async () => {
    const fromFile = await resolveConfig({ configFile: configFile('{ inboundPolicy: "open", allowFrom: ["*"] }'), env });
    expect(fromFile.config.allowFrom).toEqual(['*']);
    const fromEnv = await resolveConfig({ env: { ...env, OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open', OPENCLAW_TELEPHONY_ALLOW_FROM: '*' }, cwd: os.tmpdir() });
    expect(fromEnv.config.inboundPolicy).toBe('open');
  });

  it('still refuses anything else in allowFrom that is not a number', () => {
    expect(validateTelephony({ allowFrom: ['+15550001111', 'everyone'] })).toEqual([
      expect.objectContaining({ path: 'allowFrom', message: expect.stringContaining('or ["*"] for everyone') }),
    ]);
  });
});

describe('serve.inboundLimits', () => {
  it('has the official plugin figures as defaults', async () => {
    const { config } = await resolveConfig({ env, cwd: os.tmpdir() });
    expect(config.serve.inboundLimits).toEqual({ windowSeconds: 60, perSender: 30, total: 300, failedRequests: 300, statusCallbacks: 3000 });
  });

  it('explains a wrong value and a misspelt key', () => {
    const problems = validateTelephony({ serve: { inboundLimits: { perSender: -1, total: '300/min', windowSeconds: 0, perSendr: 3 } } });
    const by = (p: string) => problems.find((x) => x.path === p);
    expect(by('serve.inboundLimits.perSender')).toMatchObject({ message: '-1 is out of range: expected a whole number from 0 to 1000000' });
    expect(by('serve.inboundLimits.total')).toMatchObject({ message: 'expected a whole number from 0 to 1000000, got "300/min"' });
    expect(by('serve.inboundLimits.windowSeconds')?.message).toContain('from 1 to 3600');
    expect(by('serve.inboundLimits.perSendr')?.message).toContain('did you mean "serve.inboundLimits.perSender"?');
  });

  it('is set from the environment, one variable per figure', async () => {
    const { config } = await resolveConfig({ env: { ...env, OPENCLAW_TELEPHONY_SERVE_INBOUND_LIMITS_PER_SENDER: '5', OPENCLAW_TELEPHONY_SERVE_INBOUND_LIMITS_WINDOW_SECONDS: '10' }, cwd: os.tmpdir() });
    expect(config.serve.inboundLimits).toMatchObject({ perSender: 5, windowSeconds: 10, total: 300 });
    const err = await refusal(resolveConfig({ env: { ...env, OPENCLAW_TELEPHONY_SERVE_INBOUND_LIMITS_TOTAL: 'lots' }, cwd: os.tmpdir() }));
    expect(err!.message).toContain('environment variable OPENCLAW_TELEPHONY_SERVE_INBOUND_LIMITS_TOTAL: expected a whole number');
  });
});
