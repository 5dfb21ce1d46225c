/**
 * Finds where a key path is written in a JSON/JSON5 file, so validation messages can give a line
 * and column. A forward scan for each key in turn is enough for config files written by people.
 */
export interface TextPosition {
  line: number;
  column: number;
  /** false when the key itself is absent and this is where its nearest parent is written. */
  exact: boolean;
}

/**
 * Keys inside `//` comments are skipped unless `includeComments` is set (then the first match wins,
 * commented or not), which `config set` uses to fill in a key the starter left commented out.
 */
export function locateKey(text: string, keys: readonly string[], opts: { includeComments?: boolean } = {}): TextPosition | undefined {
  let from = 0;
  let found = -1;
  for (const key of keys) {
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`(?:"${escaped}"|'${escaped}'|(?<![\\w$])${escaped})\\s*:`, 'g');
    re.lastIndex = from;
    let m = re.exec(text);
    while (m && !opts.includeComments && inLineComment(text, m.index)) m = re.exec(text);
    if (!m) return found >= 0 ? positionOf(text, found, false) : undefined;
    found = m.index;
    from = m.index + m[0].length;
  }
  return found >= 0 ? positionOf(text, found, true) : undefined;
}

function positionOf(text: string, index: number, exact: boolean): TextPosition {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return { line, column, exact };
}

function inLineComment(text: string, index: number): boolean {
  return text.slice(text.lastIndexOf('\n', index) + 1, index).includes('//');
}
