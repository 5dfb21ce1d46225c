/**
 * What `openclaw channels status --probe` and `openclaw doctor` (through a running Gateway) get from the
 * channel: findings of this project's checks, secrets masked, and one status issue per finding.
 * test/openclaw/gateway-channel.test.ts runs them in the real Gateway against the sandbox.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectTelephonyFindings } from '../../src/openclaw/doctor-findings.js';
import { telephonyStatusIssues } from '../../src/openclaw/status-probe.js';

describe('the channel status probe', () => {
  const saved = { ...process.env };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'oct-status-probe-'));
    process.env.OPENCLAW_CONFIG_PATH = path.join(dir, 'openclaw.json');
    process.env.XDG_CONFIG_HOME = path.join(dir, 'config');
    process.env.XDG_DATA_HOME = path.join(dir, 'data');
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it("finds the section's problems by key, with fixes, and never shows a secret", async () => {
    const secret = 'tok-5e1f9a0b7c-written-in-the-file';
    // A secret of the wrong type: the config check's message would quote it ("got 918273645").
    const numeric = 918273645;
    const section = { fromNumber: '+15550001234', publicUrl: 'https://gateway.example.com', sms: { maxLength: 5000 }, agent: { token: numeric }, twilio: { accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: secret } };
    writeFileSync(process.env.OPENCLAW_CONFIG_PATH!, JSON.stringify({ channels: { telephony: section } }));
    const findings = await collectTelephonyFindings({ channels: { telephony: section } });
    expect(findings).toContainEqual(expect.objectContaining({ check: 'config', status: 'fail', message: expect.stringContaining('channels.telephony.sms.maxLength') }));
    expect(findings).toContainEqual(expect.objectContaining({ check: 'config', status: 'warn', message: expect.stringContaining('channels.telephony.twilio.authToken'), fix: expect.stringContaining('openclaw telephony auth login') }));
    expect(findings).toContainEqual(expect.objectContaining({ check: 'config', message: expect.stringContaining('channels.telephony.agent.token: expected a string, got ***') }));
    expect(JSON.stringify(findings)).not.toContain(secret);
    expect(JSON.stringify(findings)).not.toContain(String(numeric));
  });

  it('turns each finding of an account\'s last probe into a status issue of its kind', () => {
    const probe = {
      ok: false,
      error: 'x',
      findings: [
        { check: 'gateway', status: 'fail', message: 'channels.telephony.publicUrl is not set' },
        { check: 'credentials', status: 'fail', message: 'no Twilio credentials', fix: 'openclaw telephony auth login' },
        { check: 'probe-sms-webhook', status: 'fail', message: 'URL elsewhere is not serve\'s', fix: 'numbers configure' },
      ],
    };
    expect(telephonyStatusIssues([{ accountId: 'default', probe }, { accountId: 'other' }])).toEqual([
      { channel: 'telephony', accountId: 'default', kind: 'config', message: 'channels.telephony.publicUrl is not set' },
      { channel: 'telephony', accountId: 'default', kind: 'auth', message: 'no Twilio credentials', fix: 'openclaw telephony auth login' },
      { channel: 'telephony', accountId: 'default', kind: 'runtime', message: "URL elsewhere is not serve's", fix: 'numbers configure' },
    ]);
  });
});
