/**
 * Which terminal escape sequences may reach Ink. Ink 6.8's input hook throws on a CSI sequence its key
 * parser marks `ctrl` without naming it (Ctrl+F1 = ESC[1;5P, Ctrl+F4, a pasted ESC[0m or ESC[31m:
 * upstream Ink issue #901), and that throw killed `serve`. The dashboard reacts only to printable keys,
 * Enter, Tab, Backspace, Esc and the arrows, so every CSI/SS3 sequence outside a small set of keys Ink
 * names is dropped here; plain text and lone ESC (the Esc key, Alt+key) pass unchanged.
 */
const ESC = '\u001b';

/** Arrows, Home/End, Shift+Tab, with or without modifiers (`ESC[A`, `ESC[1;5A`). */
const NAMED_CSI_LETTER = /^\u001b\[(?:1;\d{1,2})?[ABCDHFZ]$/;
/** Insert, Delete, Home, End, PageUp, PageDown (`ESC[3~`, `ESC[5;5~`). */
const NAMED_CSI_TILDE = /^\u001b\[[1-6](?:;\d{1,2})?~$/;
/** Application-mode arrows and Home/End (`ESC O A`). */
const NAMED_SS3 = /^\u001bO[ABCDHF]$/;

export function isNamedKeySequence(sequence: string): boolean {
  return NAMED_CSI_LETTER.test(sequence) || NAMED_CSI_TILDE.test(sequence) || NAMED_SS3.test(sequence);
}

type Scan = { kind: 'complete'; end: number } | { kind: 'pending' } | { kind: 'none' };

/** A CSI (`ESC [` params intermediates final) or SS3 (`ESC O` final) sequence starting at `start`. */
function scanSequence(text: string, start: number): Scan {
  const introducer = text[start + 1];
  if (introducer === undefined) return { kind: 'pending' };
  if (introducer === 'O') {
    if (start + 2 >= text.length) return { kind: 'pending' };
    return { kind: 'complete', end: start + 3 };
  }
  if (introducer !== '[') return { kind: 'none' };
  for (let i = start + 2; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code <= 0x3f) continue; // parameter and intermediate bytes
    if (i === start + 2 && code === 0x5b) continue; // legacy ESC[[A function keys
    if (code >= 0x40 && code <= 0x7e) return { kind: 'complete', end: i + 1 };
    return { kind: 'complete', end: i }; // broken sequence: drop what came so far, keep the rest as text
  }
  return { kind: 'pending' };
}

/**
 * Cuts a chunk of keyboard input into what may pass and an unfinished sequence at its end, held back
 * until the next chunk (a sequence can be split across reads).
 */
export function filterKeySequences(held: string, chunk: string): { pass: string; held: string } {
  const text = held + chunk;
  let pass = '';
  let index = 0;
  while (index < text.length) {
    const escape = text.indexOf(ESC, index);
    if (escape === -1) {
      pass += text.slice(index);
      break;
    }
    pass += text.slice(index, escape);
    const scan = scanSequence(text, escape);
    if (scan.kind === 'pending') return { pass, held: text.slice(escape) };
    if (scan.kind === 'none') {
      pass += ESC;
      index = escape + 1;
      continue;
    }
    const sequence = text.slice(escape, scan.end);
    if (isNamedKeySequence(sequence)) pass += sequence;
    index = scan.end;
  }
  return { pass, held: '' };
}

/** What an unfinished sequence becomes once no more input follows it: a lone ESC is the Esc key; the rest is dropped. */
export function flushHeld(held: string): string {
  return held === ESC ? ESC : '';
}
