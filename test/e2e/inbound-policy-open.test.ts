/**
 * A number open to everyone, as an operator meets it: serve refuses inboundPolicy "open" without "*"
 * in allowFrom and says how to fix it, `config validate` points at the line, and `doctor` warns when the
 * number is open (and fails when "open" is not confirmed).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, telephony } from '../helpers/cli.js';

interface DoctorCheck {
  name: string;
  status: string;
  detail: string;
  fix: string | null;
}

const policyCheck = (stdout: string) => (JSON.parse(stdout).checks as DoctorCheck[]).find((c) => c.name === 'inbound-policy');

describe('inboundPolicy "open" needs "*"', () => {
  it('serve refuses to start with "open" alone, naming the problem and the fix', async () => {
    const home = isolatedEnv({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open' });
    const res = await telephony(['serve', '--sandbox', '--port', '0'], home);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('inboundPolicy is "open" (from the environment variable OPENCLAW_TELEPHONY_INBOUND_POLICY) but allowFrom has no "*"');
    expect(res.stderr).toContain('OPENCLAW_TELEPHONY_ALLOW_FROM="*"');
  });

  it('config validate and doctor point at the file and fail', async () => {
    const home = isolatedEnv();
    writeFileSync(path.join(home.cwd, 'openclaw.config.json5'), '{\n  channels: {\n    telephony: {\n      inboundPolicy: "open",\n      allowFrom: ["+15550001111"],\n    },\n  },\n}\n');
    const validate = await telephony(['config', 'validate'], home);
    expect(validate.code).toBe(3);
    expect(validate.stdout).toMatch(/openclaw\.config\.json5:4:\d+: channels\.telephony\.inboundPolicy: inboundPolicy is "open"/);
    expect(validate.stdout).toContain('fix: For a number meant to be public, add "*" to allowFrom');
    const doctor = await telephony(['doctor', '--json'], home);
    expect(doctor.code).toBe(3);
    expect(policyCheck(doctor.stdout)).toMatchObject({ status: 'fail', detail: expect.stringContaining('allowFrom has no "*"') });
  });

  it('doctor warns when the number is open to everyone, with the limits that still apply', async () => {
    const home = isolatedEnv({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open', OPENCLAW_TELEPHONY_ALLOW_FROM: '*', TWILIO_PHONE_NUMBER: '+15550002222' });
    const doctor = await telephony(['doctor', '--json'], home);
    expect(policyCheck(doctor.stdout)).toEqual({
      name: 'inbound-policy',
      status: 'warn',
      detail: '+15550002222 is open to everyone (inboundPolicy "open", allowFrom ["*"]): any sender reaches the agent, limited only to 30 texts per sender and 300 in all per 60 s',
      fix: expect.stringContaining('use inboundPolicy "pairing"'),
    });
    const human = await telephony(['doctor'], home);
    expect(human.stdout).toMatch(/warn\s+inbound-policy\s+\+15550002222 is open to everyone/);
  });

  it('doctor passes the default pairing policy', async () => {
    const doctor = await telephony(['doctor', '--json'], isolatedEnv());
    expect(policyCheck(doctor.stdout)).toMatchObject({ status: 'pass', detail: expect.stringContaining('inboundPolicy "pairing": strangers get a pairing code') });
  });
});
