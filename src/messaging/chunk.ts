/**
 * Splitting a long body into messages, per `sms.chunkMode`: "auto" at paragraph, then sentence, then
 * word boundaries; "length" at the limit; "newline" at line breaks; "off" refuses an over-long body.
 * `segmentNumbering` adds "(1/3)" markers, counted in the length. Surrogate pairs are never split.
 */
import { UserError } from '../errors.js';

export type ChunkMode = 'auto' | 'length' | 'newline' | 'off';

export interface ChunkOptions {
  mode: ChunkMode;
  /** Longest chunk in characters (code points), markers included. */
  maxLength: number;
  numbering: boolean;
}

const chars = (s: string) => [...s];
const lengthOf = (s: string) => chars(s).length;

export function splitBody(body: string, opts: ChunkOptions): string[] {
  if (lengthOf(body) <= opts.maxLength) return [body];
  if (opts.mode === 'off') {
    throw new UserError(`The body is ${lengthOf(body)} characters, over the limit of ${opts.maxLength}, and sms.chunkMode is "off".`, {
      code: 'body_too_long',
      hint: 'Shorten it, or set sms.chunkMode to "auto", "length" or "newline".',
    });
  }
  // Leave room for " (nn/nn)" markers; recompute when the count needs more digits.
  for (let reserve = opts.numbering ? 6 : 0; ; reserve += 2) {
    const limit = opts.maxLength - reserve;
    if (limit < 10) throw new UserError(`sms.maxLength ${opts.maxLength} is too small to split this body.`, { code: 'max_length_too_small', hint: 'Raise sms.maxLength.' });
    const pieces = opts.mode === 'length' ? hardSplit(body, limit) : opts.mode === 'newline' ? newlineSplit(body, limit) : smartSplit(body, limit);
    if (!opts.numbering) return pieces;
    const marker = (i: number) => ` (${i + 1}/${pieces.length})`;
    if (pieces.every((p, i) => lengthOf(p + marker(i)) <= opts.maxLength)) return pieces.map((p, i) => p + marker(i));
  }
}

function hardSplit(text: string, limit: number): string[] {
  const cs = chars(text);
  const out: string[] = [];
  for (let i = 0; i < cs.length; i += limit) out.push(cs.slice(i, i + limit).join(''));
  return out;
}

function newlineSplit(text: string, limit: number): string[] {
  return pack(text.split(/\r?\n/).filter((l) => l.trim() !== ''), '\n', limit, hardSplit);
}

function smartSplit(text: string, limit: number): string[] {
  const paragraphs = text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  return pack(paragraphs, '\n\n', limit, (para, l) =>
    pack(para.split(/(?<=[.!?])\s+/), ' ', l, (sentence, l2) => pack(sentence.split(/\s+/), ' ', l2, hardSplit)),
  );
}

/** Greedily joins units with `sep` up to `limit`; a unit longer than the limit is split by `finer`. */
function pack(units: string[], sep: string, limit: number, finer: (unit: string, limit: number) => string[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const unit of units) {
    for (const piece of lengthOf(unit) > limit ? finer(unit, limit) : [unit]) {
      const joined = current ? current + sep + piece : piece;
      if (lengthOf(joined) <= limit) current = joined;
      else {
        if (current) out.push(current);
        current = piece;
      }
    }
  }
  if (current) out.push(current);
  return out;
}
