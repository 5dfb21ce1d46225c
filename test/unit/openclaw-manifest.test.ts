import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TELEPHONY_CLI_DESCRIPTOR } from '../../src/openclaw/cli-descriptor.js';

const repo = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(repo, 'openclaw.plugin.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));

describe('the OpenClaw plugin manifest', () => {
  it("lists the same root command the entry registers, so root help needs no plugin code", () => {
    expect(manifest.cliCommands).toEqual([TELEPHONY_CLI_DESCRIPTOR]);
  });

  it('is shipped, and package.json points OpenClaw at the built entry', () => {
    expect(pkg.files).toContain('openclaw.plugin.json');
    expect(pkg.openclaw.extensions).toEqual(['./dist/bundle/openclaw-plugin.js']);
    // No setup entry: OpenClaw 2026.9.6 copies a setup entry's package and all its dependencies on
    // every command, so one made `openclaw --help` 13-15 s instead of 1.5 s (bench/openclaw-help.mjs).
    expect(pkg.openclaw.setupEntry).toBeUndefined();
    // Only the standalone binary: `openclaw` belongs to OpenClaw.
    expect(Object.keys(pkg.bin)).toEqual(['openclaw-telephony']);
  });

  it("the plugin's entry and command tree load no commander of their own (the tree goes on OpenClaw's)", () => {
    // Everything the entry imports, and what its registrar imports, transitively (command modules,
    // loaded lazily when a command runs, are not followed).
    const bundle = path.join(repo, 'dist/bundle');
    const read = (file: string) => readFileSync(path.join(bundle, file), 'utf8');
    const entry = read('openclaw-plugin.js');
    expect(entry).toContain('openclaw/plugin-sdk/channel-core');
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of read(file).matchAll(/(?:from|import)\s*"\.\/([\w-]+\.js)"/g)) visit(m[1]);
    };
    visit('openclaw-plugin.js');
    for (const m of entry.matchAll(/import\("\.\/([\w-]+\.js)"\)/g)) visit(m[1]);
    expect(seen.size).toBeGreaterThan(2);
    for (const file of seen) expect(read(file), file).not.toMatch(/node_modules\/commander\/|from "commander"/);
  });

  it('loading the entry (root help, discovery) loads neither the webhook pipeline nor OpenClaw\'s inbound runtime', () => {
    const bundle = path.join(repo, 'dist/bundle');
    const read = (file: string) => readFileSync(path.join(bundle, file), 'utf8');
    const seen = new Set<string>();
    // Static imports only: the channel's account, its sends and the command tree load lazily.
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of read(file).matchAll(/(?:from|import)\s*"\.\/([\w-]+\.js)"/g)) visit(m[1]);
    };
    visit('openclaw-plugin.js');
    for (const file of seen) expect(read(file), file).not.toMatch(/node_modules\/fastify\/|from "(better-sqlite3|pg|openclaw\/plugin-sdk\/channel-inbound)"/);
  });
});
