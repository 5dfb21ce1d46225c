/**
 * Finds where a key path is written in a JSON/JSON5 file, so validation messages can give a line
 * and column. A forward scan for each key in turn is enough for config files written by people.
 */
export interface TextPosition {
  line: number;
  column: number;
}

export function locateKey(text: string, keys: readonly string[]): TextPosition | undefined {
  let from = 0;
  let found = -1;
  for (const key of keys) {
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`(?:"${escaped}"|'${escaped}'|(?<![\\w$])${escaped})\\s*:`, 'g');
    re.lastIndex = from;
    const m = re.exec(text);
    if (!m) return found >= 0 ? positionOf(text, found) : undefined;
    found = m.index;
    from = m.index + m[0].length;
  }
  return found >= 0 ? positionOf(text, found) : undefined;
}

function positionOf(text: string, index: number): TextPosition {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return { line, column };
}
