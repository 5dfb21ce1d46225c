/** The one terminal-safe function, the log formatters and redaction (#16 items 3 and 7). */
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../src/cli/output.js';
import { capLogValue, formatLogJson, formatLogText, LOG_VALUE_MAX } from '../../src/log.js';
import { redact, registerSecret } from '../../src/secrets/redact.js';
import { jsonForTerminal, safeForTerminal } from '../../src/text/terminal-safe.js';

// Every character a terminal may obey, or that reorders what the operator reads.
const DANGEROUS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('safeForTerminal', () => {
  it('leaves ordinary text (accents, emoji, CJK) as it is', () => {
    for (const text of ['hello', 'Grüße, café', 'emoji 👋🏽 ok', '你好', 'C:\\Users\\me']) expect(safeForTerminal(text)).toBe(text);
  });

  it('shows ESC, BEL, OSC title and OSC 52 clipboard sequences as visible escapes', () => {
    const title = 'AC\u001b]0;pwned\u0007\u001b[31mred';
    expect(safeForTerminal(title)).toBe('AC\\x1b]0;pwned\\x07\\x1b[31mred');
    const clipboard = '\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007';
    expect(safeForTerminal(clipboard)).toBe('\\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\x07');
  });

  it('escapes newlines (no forged lines), CR, tab, DEL and C1 controls such as 8-bit CSI', () => {
    expect(safeForTerminal('a\nb\rc\td\u007fe\u009b31m')).toBe('a\\nb\\rc\\td\\x7fe\\x9b31m');
    expect(safeForTerminal('a\nb', { multiline: true })).toBe('a\nb');
    expect(safeForTerminal('a\r\nb', { multiline: true })).toBe('a\\r\nb');
  });

  it('escapes every bidi override, embedding, isolate and mark', () => {
    const bidi = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
    for (const ch of bidi) {
      const shown = safeForTerminal(`x${ch}y`);
      expect(shown).toBe(`x\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}y`);
      expect(shown).not.toMatch(DANGEROUS);
    }
  });

  it('never lets a dangerous character through, for every code unit up to U+FFFF', () => {
    let all = '';
    for (let c = 0; c < 0x10000; c++) if (c < 0xd800 || c > 0xdfff) all += String.fromCharCode(c);
    expect(safeForTerminal(all, { max: 1e7 })).not.toMatch(DANGEROUS);
  });

  it('caps the length and says how much was left out, without splitting an escape or a surrogate pair', () => {
    const shown = safeForTerminal('x'.repeat(60_000), { max: 100 });
    expect(shown).toBe(`${'x'.repeat(100)}…[59900 more characters]`);
    expect(safeForTerminal('\u001b'.repeat(10), { max: 9 })).toBe('\\x1b\\x1b…[8 more characters]');
    expect(safeForTerminal('😀😀😀', { max: 5 })).toBe('😀😀…[2 more characters]');
    expect(safeForTerminal('y'.repeat(2000)).length).toBeLessThan(1100);
  });
});

describe('jsonForTerminal', () => {
  it('is exact JSON: the same value parsed back, with no raw control or bidi character', () => {
    const value = { body: 'a\u001b]0;x\u0007 \u009b \u202e \u2028 \u007f', n: 1 };
    const json = jsonForTerminal(value);
    expect(json).not.toMatch(DANGEROUS);
    expect(JSON.parse(json)).toEqual(value);
    expect(JSON.parse(jsonForTerminal(value, 2))).toEqual(value);
  });
});

describe('log lines', () => {
  it('a plain line is one line whatever the fields hold, control characters shown as escapes', () => {
    const line = formatLogText('webhook.refused', { reason: 'AccountSid AC\u001b]0;pwned\u0007\n12:00:00 sms.in forged=1', tried: ['x\u202ey'] }, new Date('2026-01-01T12:00:00Z'));
    expect(line.split('\n')).toHaveLength(1);
    expect(line).not.toMatch(DANGEROUS);
    expect(line).toBe('12:00:00 webhook.refused reason=AccountSid AC\\x1b]0;pwned\\x07\\n12:00:00 sms.in forged=1 tried=["x\\u202ey"]');
  });

  it('caps each value: a 60 KB field gives a line of about a kilobyte', () => {
    const huge = 'AC' + 'f'.repeat(60_000);
    expect(formatLogText('webhook.refused', { reason: huge }).length).toBeLessThan(LOG_VALUE_MAX + 120);
    const json = formatLogJson('webhook.refused', { reason: huge, nested: { deeper: [huge] } });
    expect(json.length).toBeLessThan(3 * LOG_VALUE_MAX + 200);
    expect(JSON.parse(json).nested.deeper[0]).toMatch(/…\[59002 more characters\]$/);
    expect(capLogValue({ a: { b: { c: { d: { e: 'deep' } } } } })).toEqual({ a: { b: { c: { d: '[nested too deep]' } } } });
  });

  it('redacts a secret before cutting, so no part of it survives at the cut', () => {
    const secret = 'Zq9'.repeat(8);
    registerSecret(secret);
    const value = 'x'.repeat(LOG_VALUE_MAX - 5) + secret;
    expect(formatLogJson('e', { v: value })).not.toContain(secret.slice(0, 5));
    expect(formatLogText('e', { v: value })).not.toContain(secret.slice(0, 5));
  });
});

describe('redaction of URLs', () => {
  it('removes all userinfo from any URL, with or without a password', () => {
    expect(redact('https://user:pass@bot.example.com/telephony')).toBe('https://[redacted]@bot.example.com/telephony');
    expect(redact('publicUrl=https://sometoken@bot.example.com')).toBe('publicUrl=https://[redacted]@bot.example.com');
    expect(redact('{"url":"postgres://app:s3cret@db:5432/x"}')).toBe('{"url":"postgres://[redacted]@db:5432/x"}');
    expect(redact('https://bot.example.com/a?x=1#y and mail a@b.example')).toBe('https://bot.example.com/a?x=1#y and mail a@b.example');
  });
});

describe('formatTable', () => {
  it('shows each cell terminal-safe, so a stranger cannot reorder or recolour a table', () => {
    const table = formatTable([['FROM', 'BODY'], ['+1555\u202e0001', 'hi\u001b[2J\nforged row']]);
    expect(table.split('\n')).toHaveLength(2);
    expect(table).not.toMatch(/[\u001b\u202e]/);
    expect(table).toContain('hi\\x1b[2J\\nforged row');
  });
});
