/** Every relative link in the project's Markdown points at a file that is in the repository. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '../..');
const DOCS = ['README.md', 'CONTRIBUTING.md', ...readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('documentation links', () => {
  it.each(DOCS)('%s links only to files that exist', (doc) => {
    const text = readFileSync(path.join(REPO, doc), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/i.test(t) && !t.startsWith('#'));
    const missing = targets.filter((t) => !existsSync(path.resolve(path.dirname(path.join(REPO, doc)), t.split('#')[0])));
    expect(missing).toEqual([]);
  });

  it('ARCHITECTURE.md points at the protocol reference in the repository', () => {
    expect(readFileSync(path.join(REPO, 'docs/ARCHITECTURE.md'), 'utf8')).toContain('](reference/PROTOCOLS.md)');
    expect(existsSync(path.join(REPO, 'docs/reference/PROTOCOLS.md'))).toBe(true);
  });
});
