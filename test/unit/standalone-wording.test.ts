/**
 * The standalone binary is `openclaw-telephony`; `openclaw telephony` exists only inside OpenClaw. The
 * voice docs and examples (which print commands at run time) are about the standalone CLI and the
 * sandbox, so they name the binary a reader can run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '../..');
const files = ['docs/sandbox-voice.md', 'SECURITY.md', ...readdirSync(path.join(REPO, 'examples/voice')).map((f) => `examples/voice/${f}`)];

describe('standalone wording', () => {
  it.each(files)('%s names the openclaw-telephony binary, not `openclaw telephony`', (file) => {
    expect(readFileSync(path.join(REPO, file), 'utf8')).not.toMatch(/openclaw telephony/);
  });

  it('the README names the sms.rate key as the schema spells it', () => {
    expect(readFileSync(path.join(REPO, 'README.md'), 'utf8')).not.toContain('sms.rates');
  });
});
