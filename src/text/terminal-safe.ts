/**
 * The one way text from outside (webhook fields, message bodies, caller speech, agent replies,
 * sandbox handsets, Twilio's answers) reaches a terminal. A terminal obeys control characters: ESC
 * starts sequences that set the title, write the clipboard (OSC 52) or move the cursor, a C1 byte
 * can do the same on 8-bit terminals, a newline forges a log line, and bidi overrides reorder what
 * the operator reads. Each such character is shown as a visible escape instead, and the length is
 * capped so an attacker cannot size our output.
 */

/** Longest text shown by default, in characters of the escaped output. */
export const TERMINAL_TEXT_MAX = 1000;

// C0 controls, DEL and C1 controls; the Arabic letter mark, LRM/RLM, line/paragraph separators,
// the bidi embeddings and overrides (U+202A-202E) and isolates (U+2066-2069).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_TEST = new RegExp(UNSAFE.source);
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visibleEscape(ch: string): string {
  const code = ch.charCodeAt(0);
  return NAMED[ch] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

export interface TerminalSafeOptions {
  /** Longest result in characters; longer text is cut and says how much was left out. @default 1000 */
  max?: number;
  /** Keep line feeds (for our own multi-line messages that quote outside text). @default false */
  multiline?: boolean;
}

export function safeForTerminal(value: unknown, opts: TerminalSafeOptions = {}): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : String(value);
  const max = opts.max ?? TERMINAL_TEXT_MAX;
  if (text.length <= max && !UNSAFE_TEST.test(text)) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const shown = ch === '\n' && opts.multiline ? ch : UNSAFE_TEST.test(ch) ? visibleEscape(ch) : ch;
    if (out.length + shown.length > max) break;
    out += shown;
    used += ch.length;
  }
  return used < text.length ? `${out}…[${text.length - used} more characters]` : out;
}

/**
 * JSON for a terminal: exactly the same value when parsed, with the characters JSON may leave raw
 * (DEL, C1, bidi controls, U+2028/2029) written as \u escapes. NDJSON output stays exact JSON.
 */
export function jsonForTerminal(value: unknown, space?: number): string {
  // JSON.stringify already escapes C0 inside strings; the only raw C0 left is the indentation's newlines.
  const json = JSON.stringify(value, null, space) ?? 'null';
  return json.replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
