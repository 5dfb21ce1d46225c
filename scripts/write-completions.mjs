#!/usr/bin/env node
// Regenerates completions/ from the built command tree (`npm run completions`).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { completionScript } from '../dist/cli/commands/completion.js';
import { COMPLETION_FILES } from '../dist/completion/files.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const [shell, file] of Object.entries(COMPLETION_FILES)) {
  writeFileSync(path.join(repo, 'completions', file), completionScript(shell));
  console.log(`completions/${file}`);
}
