/**
 * Agent replies are Markdown; a phone shows Markdown as noise ("**", "[x](y)", "```"). This turns it
 * into plain text for SMS: emphasis and code markers removed, links as `label (url)`, headings, list
 * items, quotes and table rows as lines, fenced code kept line for line. Only ASCII punctuation is
 * added, so a GSM-7 reply stays GSM-7 (a bullet "•" would force UCS-2 and more than double the segments).
 *
 * Our own small converter rather than a Markdown parser package: the one job is a line-by-line
 * rewrite, and it runs on every reply, so it is loaded with `serve` at no measurable cost
 * (see bench/plain-text.mjs and docs/ARCHITECTURE.md).
 */

// Every repetition is bounded (500 characters of emphasis, 2048 of URL), so a hostile line costs
// linear time, not quadratic. Placeholders keep code spans and URLs away from the emphasis rules (a URL may hold "_" or "*").
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g');

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const FENCE_CLOSE = /^\s{0,3}(`{3,}|~{3,})\s*$/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+\s*)?$/;
const RULE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const BULLET = /^(\s*)[-*+]\s+(?:\[([ xX])\]\s+)?(.*)$/;
const ORDERED = /^(\s*)(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/** Markdown to plain text for a text message. Plain text comes back unchanged. */
export function toPlainText(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').replace(/[\uE000\uE001]/g, '').split('\n');
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of lines) {
    const opener = FENCE.exec(line);
    if (fence) {
      const closer = FENCE_CLOSE.exec(line);
      if (closer && closer[1][0] === fence[0] && closer[1].length >= fence.length) fence = undefined;
      else out.push(line);
      continue;
    }
    if (opener) {
      fence = opener[1];
      continue;
    }
    out.push(...blockLine(line));
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** One line outside code fences: its block marker rewritten, then its inline Markdown. */
function blockLine(line: string): string[] {
  if (RULE.test(line)) return [];
  if (TABLE_SEPARATOR.test(line) && line.includes('-') && line.includes('|')) return [];
  let rest = line;
  while (QUOTE.test(rest)) rest = rest.replace(QUOTE, '');
  const heading = HEADING.exec(rest);
  if (heading) return [inline(heading[1])];
  const bullet = BULLET.exec(rest);
  if (bullet) return [`${indent(bullet[1])}- ${bullet[2] ? `[${bullet[2] === ' ' ? ' ' : 'x'}] ` : ''}${inline(bullet[3])}`];
  const ordered = ORDERED.exec(rest);
  if (ordered) return [`${indent(ordered[1])}${ordered[2]}. ${inline(ordered[3])}`];
  if (/^\s*\|.*\|\s*$/.test(rest)) return [tableRow(rest)];
  return [inline(rest.replace(/\s{2,}$/, ''))];
}

/** Nested list items keep two spaces per level, whatever the Markdown used. */
const indent = (spaces: string) => '  '.repeat(Math.floor(spaces.replace(/\t/g, '    ').length / 2));

const tableRow = (row: string) =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((cell) => inline(cell.trim()))
    .join(' | ');

function inline(text: string): string {
  const kept: string[] = [];
  const keep = (s: string) => `${OPEN}${kept.push(s) - 1}${CLOSE}`;
  let t = text
    // Code spans first: nothing inside them is Markdown.
    .replace(/(`{1,8})([^`]|[^`][^\n]{0,2000}?[^`])\1(?!`)/g, (_m, _ticks: string, code: string) => keep(code.trim()))
    .replace(/\\([\\`*_{}[\]()#+\-.!|>~])/g, (_m, escaped: string) => keep(escaped))
    .replace(/!\[([^\]]{0,500})\]\(\s*<?([^()[\]<>\s]{1,2048})>?(?:\s+"[^"]{0,500}")?\s*\)/g, (_m, alt: string, url: string) => link(alt, url, keep))
    .replace(/\[([^\]]{1,500})\]\(\s*<?([^()[\]<>\s]{1,2048})>?(?:\s+"[^"]{0,500}")?\s*\)/g, (_m, label: string, url: string) => link(label, url, keep))
    .replace(/<((?:https?:\/\/|mailto:)[^>\s]+)>/g, (_m, url: string) => keep(url))
    .replace(/https?:\/\/[^\s)]+/g, (url) => keep(url))
    .replace(/<br\s*\/?>/gi, '\n');
  t = t
    .replace(/(\*\*|__)(?=\S)([^\n]{0,500}?\S)\1/g, '$2')
    .replace(/~~(?=\S)([^\n]{0,500}?\S)~~/g, '$1')
    .replace(/(^|[^\w*])\*(?=[^\s*])([^*\n]{0,500}?[^\s*])\*(?![\w*])/g, '$1$2')
    .replace(/(^|[^\w])_(?=[^\s_])([^_\n]{0,500}?[^\s_])_(?!\w)/g, '$1$2');
  return t.replace(PLACEHOLDER, (_m, i: string) => kept[Number(i)]);
}

function link(label: string, url: string, keep: (s: string) => string): string {
  const text = inline(label).trim();
  if (!text || text === url || `mailto:${text}` === url) return keep(url);
  return `${text} (${keep(url)})`;
}
