import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { completionScript } from '../../src/cli/commands/completion.js';
import { COMPLETION_FILES } from '../../src/completion/files.js';
import { SHELLS } from '../../src/completion/scripts.js';

const dir = path.resolve(__dirname, '../../completions');

describe('completion scripts', () => {
  for (const shell of SHELLS) {
    it(`completions/${COMPLETION_FILES[shell]} matches what the program generates (run \`npm run completions\`)`, () => {
      expect(readFileSync(path.join(dir, COMPLETION_FILES[shell]), 'utf8')).toBe(completionScript(shell));
    });
  }

  it('offer commands, subcommands, enum values and config keys', () => {
    const ps = completionScript('powershell');
    expect(ps).toContain("'config' = @('path', 'show', 'validate', 'init', 'set'");
    expect(ps).toContain("'bash', 'zsh', 'fish', 'powershell'");
    const configSet = ps.split('\n').find((l) => l.includes("'config set' ="))!;
    expect(configSet).toContain("'sms.maxLength'");
    // Secrets are not offered to `config set` (they belong in the credential store).
    expect(configSet).not.toContain("'twilio.authToken'");
  });

  it('the bash script completes in a real bash', () => {
    const script = completionScript('bash');
    const probe = (line: string) => {
      const words = line.split(' ');
      const prog = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _openclaw_telephony_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return spawnSync('bash', ['-c', prog], { encoding: 'utf8' }).stdout.trim().split('\n');
    };
    expect(probe('openclaw-telephony con')).toEqual(['config']);
    expect(probe('openclaw-telephony config s')).toEqual(['show', 'set']);
    expect(probe('openclaw-telephony completion p')).toEqual(['powershell']);
    expect(probe('openclaw-telephony doc')).toEqual(['doctor']);
    expect(probe('openclaw-telephony config set sms.chunk')).toEqual(['sms.chunkMode']);
    // `openclaw` is OpenClaw's: these scripts never take over its completion.
    expect(script).toContain('complete -o default -F _openclaw_telephony_complete openclaw-telephony\n');
    expect(completionScript('powershell')).not.toMatch(/CommandName 'openclaw'[ ,]/);
  });
});
