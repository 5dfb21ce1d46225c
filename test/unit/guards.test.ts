/**
 * Structure guards: files stay small enough to read (one concern each), and the core never reaches
 * up into the command layer (src/cli/ may import the core, never the other way round).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');
const CLI = path.join(SRC, 'cli');
const MAX_LINES = 300;

const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.(ts|tsx|mts|cts)$/.test(f))
  .map((f) => path.join(SRC, f));

const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** Every module specifier: `import ... from`, `export ... from`, side-effect `import '...'` and `import('...')`. */
function specifiersOf(text: string): string[] {
  const found = text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g);
  return [...found].map((m) => m[1]);
}

const inCli = (file: string) => file === CLI || file.startsWith(CLI + path.sep);

describe('structure guards', () => {
  it('finds the sources', () => {
    expect(sources.length).toBeGreaterThan(50);
  });

  it(`no file under src/ passes ${MAX_LINES} lines`, () => {
    const long = sources.map((f) => ({ file: path.relative(SRC, f), lines: lineCount(readFileSync(f, 'utf8')) })).filter((f) => f.lines > MAX_LINES);
    expect(long, 'split these by concern').toEqual([]);
  });

  it('no core module (anything under src/ but src/cli/) imports from src/cli/', () => {
    const offending: string[] = [];
    for (const file of sources.filter((f) => !inCli(f))) {
      for (const spec of specifiersOf(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.') && inCli(path.resolve(path.dirname(file), spec))) offending.push(`${path.relative(SRC, file)} -> ${spec}`);
      }
    }
    expect(offending, 'move what they need below src/cli/ (as src/config/settings.ts did for Settings)').toEqual([]);
  });

  it('sees every form of import', () => {
    const text = ["import type { A } from '../cli/a.js';", "export { b } from '../cli/b.js';", "import '../cli/c.js';", "const d = await import('../cli/d.js');", 'import {\n  e,\n} from "../cli/e.js";'].join('\n');
    expect(specifiersOf(text)).toEqual(['../cli/a.js', '../cli/b.js', '../cli/c.js', '../cli/d.js', '../cli/e.js']);
  });
});
