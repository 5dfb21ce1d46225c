import { describe, expect, it } from 'vitest';
import { escapeXml, messagingResponse } from '../../src/server/twiml.js';

describe('the TwiML serve answers with', () => {
  it('drops what XML 1.0 forbids (C0 controls but tab/CR/LF, U+FFFE/U+FFFF, lone surrogates) and keeps the rest', () => {
    expect(escapeXml('a\u0000b\u0008c\u000bd\u000ce\u001ff\u001b[31m')).toBe('abcdef[31m');
    expect(escapeXml('tab\there\r\nnew line')).toBe('tab\there\r\nnew line');
    expect(escapeXml('x\uFFFEy\uFFFFz')).toBe('xyz');
    expect(escapeXml('lone \uD800 high, lone \uDC00 low, pair \uD83D\uDE00')).toBe('lone  high, lone  low, pair \uD83D\uDE00');
    expect(escapeXml('<b>&"\'')).toBe('&lt;b&gt;&amp;&quot;&apos;');
    expect(messagingResponse(['\u0000'])).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message></Message></Response>');
  });
});
