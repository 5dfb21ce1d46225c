import { describe, expect, it } from 'vitest';
import { toPlainText } from '../../src/messaging/plain-text.js';
import { analyzeSegments } from '../../src/messaging/segments.js';

describe('Markdown replies as plain text for SMS', () => {
  it('removes emphasis, strikethrough and code markers', () => {
    expect(toPlainText('This is **bold**, __strong__, *italic*, _em_ and ~~gone~~ with `code`.')).toBe('This is bold, strong, italic, em and gone with code.');
  });

  it('leaves snake_case, 2*3*4 and lone asterisks alone', () => {
    expect(toPlainText('call get_user_name, 2*3*4 = 24, a * b')).toBe('call get_user_name, 2*3*4 = 24, a * b');
  });

  it('writes links as label (url), images as alt (url), and bare or angle links as the URL', () => {
    expect(toPlainText('See [the docs](https://example.com/a_b*c) or ![a map](https://x.test/m.png).')).toBe('See the docs (https://example.com/a_b*c) or a map (https://x.test/m.png).');
    expect(toPlainText('<https://example.com/x> and [https://e.com](https://e.com)')).toBe('https://example.com/x and https://e.com');
    expect(toPlainText('Visit https://example.com/__init__ now')).toBe('Visit https://example.com/__init__ now');
  });

  it('writes headings, list items, quotes and table rows as lines', () => {
    const md = ['# Plan', '', '- **first**', '* second', '  + nested', '1. one', '2) two', '- [x] done', '', '> quoted *text*', '', '| a | b |', '|---|:--:|', '| 1 | 2 |', '---', 'end'].join('\n');
    expect(toPlainText(md)).toBe(['Plan', '', '- first', '- second', '  - nested', '1. one', '2. two', '- [x] done', '', 'quoted text', '', 'a | b', '1 | 2', 'end'].join('\n'));
  });

  it('keeps fenced code line for line, markers inside it untouched, fences removed', () => {
    const md = 'Run:\n```bash\nnpm run **build**\n  echo [x](y)\n```\nDone.';
    expect(toPlainText(md)).toBe('Run:\nnpm run **build**\n  echo [x](y)\nDone.');
  });

  it('an unclosed fence keeps the rest as code', () => {
    expect(toPlainText('a\n~~~\n*b*')).toBe('a\n*b*');
  });

  it('plain text comes back unchanged, and GSM-7 stays GSM-7', () => {
    const text = 'Your table is booked for 7pm (party of 4). Reply STOP to opt out.';
    expect(toPlainText(text)).toBe(text);
    expect(analyzeSegments(toPlainText('- **one**\n- two\n[site](https://a.b)')).encoding).toBe('GSM-7');
  });

  it('drops private-use placeholder characters from hostile input instead of confusing them', () => {
    expect(toPlainText('x\uE0000\uE001 `y`')).toBe('x0 y');
  });

  it('unescapes escaped Markdown characters and turns <br> into a line break', () => {
    expect(toPlainText('\\*not emphasis\\* line<br>next')).toBe('*not emphasis* line\nnext');
  });
});
