/**
 * The grapheme splitter sms-segments-calculator asks for, as the send bundle gets it (scripts/bundle.mjs
 * maps `grapheme-splitter` here for that bundle): ASCII text is split into its characters without the
 * package, whose Unicode tables are a large function to compile and run (~4 ms of a one-message send on
 * Node 20); any other text goes to the package. The same result: in ASCII every character is a
 * grapheme of its own except CR LF, which sms-segments-calculator splits into two again
 * (test/unit/grapheme-splitter-ascii.test.ts compares both).
 */
import GraphemeSplitter from 'grapheme-splitter';

const ASCII = /^[\x00-\x7f]*$/;

export default class AsciiFirstGraphemeSplitter {
  splitGraphemes(text: string): string[] {
    return ASCII.test(text) ? text.split('') : new GraphemeSplitter().splitGraphemes(text);
  }

  countGraphemes(text: string): number {
    return ASCII.test(text) ? text.length - (text.match(/\r\n/g)?.length ?? 0) : new GraphemeSplitter().countGraphemes(text);
  }
}
