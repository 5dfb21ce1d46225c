import { describe, expect, it } from 'vitest';
import { escapeXml, hangup, message, messagingResponse, reject, say, twimlResponse, voiceResponse } from '../../src/twilio/twiml.js';

describe('the TwiML serve answers with', () => {
  it('drops what XML 1.0 forbids (C0 controls but tab/CR/LF, U+FFFE/U+FFFF, lone surrogates) and keeps the rest', () => {
    expect(escapeXml('a\u0000b\u0008c\u000bd\u000ce\u001ff\u001b[31m')).toBe('abcdef[31m');
    expect(escapeXml('tab\there\r\nnew line')).toBe('tab\there\r\nnew line');
    expect(escapeXml('x\uFFFEy\uFFFFz')).toBe('xyz');
    expect(escapeXml('lone \uD800 high, lone \uDC00 low, pair \uD83D\uDE00')).toBe('lone  high, lone  low, pair \uD83D\uDE00');
    expect(escapeXml('<b>&"\'')).toBe('&lt;b&gt;&amp;&quot;&apos;');
    expect(messagingResponse(['\u0000'])).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message></Message></Response>');
  });

  it('builds every answer from the same escaped verbs', () => {
    const head = '<?xml version="1.0" encoding="UTF-8"?>';
    expect(messagingResponse([])).toBe(`${head}<Response></Response>`);
    expect(messagingResponse(['a & b', '<c>'])).toBe(`${head}<Response><Message>a &amp; b</Message><Message>&lt;c&gt;</Message></Response>`);
    expect(voiceResponse({ say: ['Hi "you"\u0007'], end: 'hangup' })).toBe(`${head}<Response><Say>Hi &quot;you&quot;</Say><Hangup/></Response>`);
    expect(voiceResponse({ reject: 'busy' })).toBe(`${head}<Response><Reject reason="busy"/></Response>`);
    expect(twimlResponse([say('one'), message('two'), reject('rejected'), hangup()])).toBe(`${head}<Response><Say>one</Say><Message>two</Message><Reject reason="rejected"/><Hangup/></Response>`);
  });
});
