/**
 * What a one-message `send` loads at start-up (issue #14, "start-up stays fast"): the files of the send
 * bundle reached by static imports from its entry and the send command. Packages kept off that path
 * load only when something asks for them (Kysely for rare queries, csv-parse for batches, the
 * dashboard's ink and react, serve's fastify, pg for PostgreSQL).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

const SEND_BUNDLE = path.join(REPO, 'dist/bundle/send');

/** The files loaded by static imports from `entry`, and their text. */
function staticClosure(entry: string, seen = new Map<string, string>()): Map<string, string> {
  if (seen.has(entry)) return seen;
  const text = readFileSync(path.join(SEND_BUNDLE, entry), 'utf8');
  seen.set(entry, text);
  for (const m of text.matchAll(/^import\s[^;]*?from\s*"\.\/([^"]+)";?$/gm)) staticClosure(m[1], seen);
  for (const m of text.matchAll(/^import\s*"\.\/([^"]+)";?$/gm)) staticClosure(m[1], seen);
  return seen;
}

describe('the send bundle', () => {
  it('loads a handful of files at start-up, and none of Kysely, csv-parse, ink, react, fastify, pg or undici', () => {
    const entry = staticClosure('send-main.js');
    const command = [...readFileSync(path.join(SEND_BUNDLE, 'send-main.js'), 'utf8').matchAll(/import\("\.\/(send-[A-Z0-9]+\.js)"\)/g)].map((m) => m[1]);
    expect(command).toHaveLength(1);
    const files = staticClosure(command[0], entry);
    expect(files.size).toBeLessThanOrEqual(10);
    const text = [...files.values()].join('\n');
    for (const pkg of ['kysely', 'csv-parse', 'ink', 'react', 'fastify', 'pg', 'undici']) expect(text, pkg).not.toMatch(new RegExp(`node_modules/${pkg}/`));
    expect(text).not.toMatch(/from\s*"(ink|react|pg|fastify)"/);
  });
});
