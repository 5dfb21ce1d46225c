/** What a body will cost before it is sent: chunks, encoding, segments, estimated price, warnings. */
import { type ChunkOptions, splitBody } from './chunk.js';
import { analyzeSegments, describeChar, type Encoding, GSM_REPLACEMENTS } from './segments.js';

export interface PlannedChunk {
  text: string;
  characters: number;
  segments: number;
  encoding: Encoding;
}

export interface MessagePlan {
  chunks: PlannedChunk[];
  segments: number;
  encoding: Encoding;
  estimatedPrice: number;
  warnings: string[];
}

export interface Prices {
  pricePerSegment: number;
  pricePerMms: number;
}

// Control characters (an ESC from a pasted coloured line) are not GSM-7 either: without them the text
// would be GSM-7, so they are named in the warning like any other character that forces UCS-2.
const CONTROL_CHARACTERS = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

export function planMessage(body: string, media: string[], chunking: ChunkOptions, prices: Prices): MessagePlan {
  const texts = body === '' && media.length ? [''] : splitBody(body, chunking);
  const chunks = texts.map((text) => {
    const info = analyzeSegments(text);
    return { text, characters: [...text].length, segments: info.segments, encoding: info.encoding };
  });
  const segments = chunks.reduce((n, c) => n + c.segments, 0);
  const encoding: Encoding = chunks.some((c) => c.encoding === 'UCS-2') ? 'UCS-2' : 'GSM-7';
  const estimatedPrice = media.length ? chunks.length * prices.pricePerMms : segments * prices.pricePerSegment;
  const warnings: string[] = [];
  const nonGsm = analyzeSegments(body).nonGsm;
  if (nonGsm.length && !media.length) {
    // Only worth a warning when UCS-2 costs more segments than GSM-7 would.
    const asGsm = texts.map((t) => [...t].map((ch) => GSM_REPLACEMENTS[ch] ?? ch).join(''));
    const gsmSegments = asGsm.reduce((n, t) => n + analyzeSegments(t.replace(/[^\u0000-\u00ff]/gu, '?').replace(CONTROL_CHARACTERS, '?')).segments, 0);
    if (segments > gsmSegments) {
      const fixable = nonGsm.filter((ch) => GSM_REPLACEMENTS[ch]);
      const shown = nonGsm.slice(0, 5).map(describeChar).join(', ') + (nonGsm.length > 5 ? ` and ${nonGsm.length - 5} more` : '');
      warnings.push(
        `${shown} force${nonGsm.length === 1 ? 's' : ''} UCS-2 encoding: ${segments} segments instead of ${gsmSegments} in GSM-7` +
          (fixable.length ? `; replace ${fixable.map((ch) => `${ch} with ${GSM_REPLACEMENTS[ch]}`).join(', ')} to pay for ${gsmSegments}` : ''),
      );
    }
  }
  return { chunks, segments, encoding, estimatedPrice: Math.round(estimatedPrice * 100000) / 100000, warnings };
}
