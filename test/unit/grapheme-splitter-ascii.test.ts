/** The send bundle's grapheme splitter (ASCII first) counts segments exactly as the package does. */
import GraphemeSplitter from 'grapheme-splitter';
import { describe, expect, it } from 'vitest';
import AsciiFirstGraphemeSplitter from '../../src/messaging/grapheme-splitter-ascii.js';

/** What sms-segments-calculator does with the splitter's graphemes: a CR LF grapheme becomes two. */
const asCalculatorSees = (graphemes: string[]) => graphemes.flatMap((g) => (g === '\r\n' ? g.split('') : [g]));

const TEXTS = [
  '',
  'hello',
  'bench 1733000000000 3',
  'line one\r\nline two\n\rthree\r\n\r\n',
  '{}[]~\\|^€'.slice(0, 7),
  Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join(''),
  'x'.repeat(400),
  'café',
  'e\u0301 combining',
  'emoji 👍🏽 and 👨‍👩‍👧 family',
  '🇺🇸 flag',
  '“smart quotes” — dash',
  'Ελληνικά',
  'a\r\n😀',
];

describe('AsciiFirstGraphemeSplitter', () => {
  it('splits every text as grapheme-splitter does, once CR LF is split as sms-segments-calculator splits it', () => {
    const fast = new AsciiFirstGraphemeSplitter();
    const reference = new GraphemeSplitter();
    for (const text of TEXTS) {
      expect(asCalculatorSees(fast.splitGraphemes(text)), JSON.stringify(text)).toEqual(asCalculatorSees(reference.splitGraphemes(text)));
      expect(fast.countGraphemes(text), JSON.stringify(text)).toBe(reference.countGraphemes(text));
    }
  });
});
