/**
 * SMS length and cost by Twilio's rules (the sms-segments-calculator package): GSM-7 160/153 characters
 * a segment, UCS-2 70/67, GSM escape characters count double, surrogate pairs never split.
 */
import { SegmentedMessage } from 'sms-segments-calculator';
import { safeForTerminal } from '../text/terminal-safe.js';

export type Encoding = 'GSM-7' | 'UCS-2';

export interface SegmentInfo {
  encoding: Encoding;
  segments: number;
  /** Characters that force UCS-2 (each once, in order of appearance). */
  nonGsm: string[];
}

export function analyzeSegments(body: string): SegmentInfo {
  if (body === '') return { encoding: 'GSM-7', segments: 1, nonGsm: [] };
  const m = new SegmentedMessage(body);
  const encoding: Encoding = m.encodingName === 'UCS-2' ? 'UCS-2' : 'GSM-7';
  return { encoding, segments: m.segmentsCount, nonGsm: encoding === 'UCS-2' ? [...new Set<string>(m.getNonGsmCharacters())] : [] };
}

/** How a character is named in a warning: the character and its code point. */
export function describeChar(ch: string): string {
  // The character is outside text and this description reaches terminals: a control character shows as its escape.
  return `"${safeForTerminal(ch)}" (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
}

// Look-alikes people paste from word processors, and their GSM-7 equivalents.
export const GSM_REPLACEMENTS: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2026': '...',
  '\u00A0': ' ',
};
