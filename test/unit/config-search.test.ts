/** The project file search (src/config/search.ts): nearest folder first, the documented names in order. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson5 } from '../../src/config/load.js';
import { searchProjectConfig } from '../../src/config/search.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'oct-search-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('searchProjectConfig', () => {
  it('takes the nearest folder first, and the documented names in their order within a folder', () => {
    const root = tree({ 'openclaw.config.json5': '{}', 'a/.openclawrc.json': '{}', 'a/.openclawrc': '{}', 'a/b/c/.keep': '' });
    expect(searchProjectConfig(path.join(root, 'a/b/c'), parseJson5)).toBe(path.join(root, 'a/.openclawrc'));
    expect(searchProjectConfig(root, parseJson5)).toBe(path.join(root, 'openclaw.config.json5'));
  });

  it('passes over empty files, folders with a candidate name, and package.json without openclaw.channels', () => {
    const root = tree({
      'openclaw.config.json5': '{ channels: { telephony: {} } }',
      'w/.openclawrc': '  \n',
      'w/.openclawrc.json5/.keep': '',
      'w/package.json': JSON.stringify({ name: 'x', openclaw: { extensions: ['./index.js'] } }),
    });
    expect(searchProjectConfig(path.join(root, 'w'), parseJson5)).toBe(path.join(root, 'openclaw.config.json5'));
  });

  it('takes a package.json with openclaw.channels, and names the line of a syntax error in one', () => {
    const root = tree({ 'p/package.json': JSON.stringify({ name: 'x', openclaw: { channels: { telephony: {} } } }), 'bad/package.json': '{\n  "name": "x",,\n}' });
    expect(searchProjectConfig(path.join(root, 'p'), parseJson5)).toBe(path.join(root, 'p/package.json'));
    expect(() => searchProjectConfig(path.join(root, 'bad'), parseJson5)).toThrow(/package\.json:2:\d+: syntax error/);
  });

  it('finds nothing in a tree without any', () => {
    expect(searchProjectConfig(tree({ 'x/.keep': '' }), parseJson5)).toBeUndefined();
  });
});
