/**
 * A misspelt OPENCLAW_TELEPHONY_* variable (trial H8: OPENCLAW_TELEPHONY_FROMNUMBER for
 * OPENCLAW_TELEPHONY_FROM_NUMBER) was silently ignored: `config validate` and `doctor` now name it
 * with the closest variable that is read; the variables that are read are not named.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, telephony } from '../helpers/cli.js';

const MISSPELT = { OPENCLAW_TELEPHONY_FROMNUMBER: '+15550001234', OPENCLAW_TELEPHONY_SMS_MAXLENGTH: '2000', OPENCLAW_TELEPHONY_STORE_ULR: 'x.sqlite', OPENCLAW_TELEPHONY_NOTHING_LIKE_IT: '1' };
// Read ones: a key's variable, a folder, logging, and the test suite's own switches.
const READ = { OPENCLAW_TELEPHONY_SMS_MAX_LENGTH: '480', OPENCLAW_TELEPHONY_LOG: 'error', OPENCLAW_TELEPHONY_CACHE_DIR: '/tmp/oct-cache-env-names', OPENCLAW_TELEPHONY_TEST_SQLITE_DRIVER: process.env.OPENCLAW_TELEPHONY_TEST_SQLITE_DRIVER ?? '' };

const EXPECTED = [
  { variable: 'OPENCLAW_TELEPHONY_FROMNUMBER', suggestion: 'OPENCLAW_TELEPHONY_FROM_NUMBER' },
  { variable: 'OPENCLAW_TELEPHONY_NOTHING_LIKE_IT', suggestion: undefined },
  { variable: 'OPENCLAW_TELEPHONY_SMS_MAXLENGTH', suggestion: 'OPENCLAW_TELEPHONY_SMS_MAX_LENGTH' },
  { variable: 'OPENCLAW_TELEPHONY_STORE_ULR', suggestion: 'OPENCLAW_TELEPHONY_STORE_URL' },
];

describe('misspelt OPENCLAW_TELEPHONY_* variables', () => {
  it.each([
    ['without a config file', false],
    ['with a config file', true],
  ])('config validate warns about each, %s, naming the closest read one (exit 0)', async (_name, withFile) => {
    const { env, cwd } = isolatedEnv({ ...MISSPELT, ...READ });
    if (withFile) writeFileSync(path.join(cwd, 'openclaw.config.json5'), '{ channels: { telephony: { fromNumber: "+15550009999" } } }\n');
    const json = await telephony(['config', 'validate', '--json'], { env, cwd });
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.valid).toBe(true);
    expect(out.warnings.map((w: { variable: string }) => w.variable)).toEqual(EXPECTED.map((e) => e.variable));
    for (const [i, e] of EXPECTED.entries()) {
      if (e.suggestion) expect(out.warnings[i].message).toContain(`did you mean ${e.suggestion}?`);
      else expect(out.warnings[i].message).not.toContain('did you mean');
    }
    const text = await telephony(['config', 'validate'], { env, cwd });
    expect(text.code).toBe(0);
    expect(text.stdout + text.stderr).toContain('OPENCLAW_TELEPHONY_FROMNUMBER is not one this tool reads, so it changes nothing: did you mean OPENCLAW_TELEPHONY_FROM_NUMBER?');
  });

  it('doctor names them in its environment check', async () => {
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_FROMNUMBER: '+15550001234', ...READ });
    const res = await telephony(['doctor', '--json'], { env, cwd });
    const check = JSON.parse(res.stdout).checks.find((c: { name: string }) => c.name === 'environment');
    expect(check).toMatchObject({ status: 'warn', unknownVariables: [{ name: 'OPENCLAW_TELEPHONY_FROMNUMBER', suggestion: 'OPENCLAW_TELEPHONY_FROM_NUMBER' }] });
    expect(check.fix).toBe('Rename it OPENCLAW_TELEPHONY_FROM_NUMBER (or unset it).');
  });

  it('nothing is said about variables that are read', async () => {
    const { env, cwd } = isolatedEnv(READ);
    const out = JSON.parse((await telephony(['config', 'validate', '--json'], { env, cwd })).stdout);
    expect(out.warnings).toEqual([]);
    const doctor = JSON.parse((await telephony(['doctor', '--json'], { env, cwd })).stdout);
    expect(doctor.checks.find((c: { name: string }) => c.name === 'environment')).toMatchObject({ status: 'pass' });
  });
});
