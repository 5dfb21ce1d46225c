/**
 * A configuration file as Windows writes it (trial H5): Windows PowerShell 5.1's `>` and `Out-File`
 * write UTF-16 LE with its mark, Notepad and `-Encoding utf8` UTF-8 with its mark. Each is read as
 * the batch and body inputs are (src/text/input-text.ts); an unmarked file that is not UTF-8 is
 * refused (exit 3) naming the fix instead of "syntax error: invalid character".
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, telephony } from '../helpers/cli.js';

const ENCODINGS = {
  'UTF-16 LE with its mark': (t: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]),
  'UTF-16 BE with its mark': (t: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()]),
  'UTF-8 with its mark': (t: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')]),
};
const CONFIG = '// Café\r\n{\r\n  "channels": { "telephony": {\r\n    "fromNumber": "+15550001234",\r\n    "sms": {\r\n      "maxLength": 480,\r\n    },\r\n  } },\r\n}\r\n';

function withConfig(bytes: Buffer) {
  const { env, cwd } = isolatedEnv();
  const file = path.join(cwd, 'openclaw.config.json5');
  writeFileSync(file, bytes);
  return { env, cwd, file };
}

describe.each(Object.keys(ENCODINGS) as (keyof typeof ENCODINGS)[])('a config file written as %s', (encoding) => {
  it('validates, and its values are used', async () => {
    const { env, cwd } = withConfig(ENCODINGS[encoding](CONFIG));
    const valid = await telephony(['config', 'validate', '--json'], { env, cwd });
    expect(valid.stderr).toBe('');
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({ valid: true, errors: [] });
    const dry = await telephony(['send', '+15550005678', 'hi', '--dry-run', '--json'], { env, cwd });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ to: '+15550005678', from: '+15550001234' });
    const show = JSON.parse((await telephony(['config', 'show', '--json'], { env, cwd })).stdout);
    expect(show.values.find((v: { key: string }) => v.key === 'sms.maxLength')).toMatchObject({ value: 480, source: 'file' });
  });

  it('names the right line of a syntax error', async () => {
    const { env, cwd } = withConfig(ENCODINGS[encoding]('{\r\n  channels: { telephony: { fromNumber: "+15550001234" } }\r\n  oops\r\n}\r\n'));
    const res = await telephony(['config', 'validate'], { env, cwd });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/openclaw\.config\.json5:3:3: syntax error: invalid character 'o'/);
  });

  it('config set keeps its values and writes it back as UTF-8', async () => {
    const { env, cwd, file } = withConfig(ENCODINGS[encoding](CONFIG));
    const res = await telephony(['config', 'set', 'sms.maxLength', '320'], { env, cwd });
    expect(res.stderr).not.toMatch(/error/);
    expect(res.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"fromNumber": "+15550001234"');
    expect(text).toContain('"maxLength": 320,');
    expect(text).toContain('// Café');
  });
});

describe('a config file that cannot be decoded', () => {
  it.each([
    ['ANSI (Windows-1252, Set-Content in PowerShell 5.1)', Buffer.from(CONFIG, 'latin1'), /not UTF-8 text/],
    ['UTF-16 without its mark', Buffer.from(CONFIG, 'utf16le'), /NUL bytes.*UTF-16/],
  ])('refuses %s naming the fix, exit 3', async (_name, bytes, cause) => {
    const { env, cwd } = withConfig(bytes);
    for (const args of [['config', 'validate', '--json'], ['send', '+15550005678', 'hi', '--dry-run', '--json']]) {
      const res = await telephony(args, { env, cwd });
      expect(res.code).toBe(3);
      const error = JSON.parse(res.stdout.trim() || res.stderr.trim()).error;
      expect(error.code).toBe('config_encoding');
      expect(error.message).toMatch(cause);
      expect(error.message).toContain('openclaw.config.json5');
      expect(error.hint).toMatch(/Set-Content -Encoding utf8/);
    }
  });

  it('a package.json that is not ours is passed over as before, however it is encoded', async () => {
    const { env, cwd } = isolatedEnv();
    writeFileSync(path.join(cwd, 'package.json'), Buffer.from('{ "name": "x", "author": "Ren\xe9" }\n', 'latin1'));
    const res = await telephony(['config', 'validate', '--json'], { env, cwd });
    expect(res.code).toBe(0);
  });
});
