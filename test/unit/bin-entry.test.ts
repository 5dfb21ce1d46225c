/** The binary's choice of bundle (src/cli/bin-entry.ts) and the send-only tree it loads for `send`. */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { binEntryFor, ROOT_FLAG_OPTIONS, ROOT_VALUE_OPTIONS } from '../../src/cli/bin-entry.js';
import { buildProgram } from '../../src/cli/standalone-program.js';
import { buildSendProgram } from '../../src/cli/standalone-root.js';

const sendOf = (program: Command) => program.commands.find((c) => c.name() === 'send')!;

describe('binEntryFor', () => {
  it('knows exactly the root options of the full program (a new global option must be added there)', () => {
    const root = buildProgram().options.filter((o) => o.long !== '--version');
    expect(root.filter((o) => o.required || o.optional).map((o) => o.long)).toEqual(ROOT_VALUE_OPTIONS);
    expect(root.filter((o) => !o.required && !o.optional).map((o) => o.long)).toEqual(ROOT_FLAG_OPTIONS);
  });

  it('sends `send` to the send-only tree after global options only, everything else to the full tree', () => {
    expect(binEntryFor(['send', '+15550005678', 'hi'])).toBe('send');
    expect(binEntryFor(['--json', '--config', 'send', 'send', '--help'])).toBe('send');
    expect(binEntryFor(['--profile=work', '--sandbox', '--quiet', '--no-color', 'send'])).toBe('send');
    // A config file named "send", help or version first, an unknown option, `help send`: the full tree.
    expect(binEntryFor(['--config', 'send', 'numbers', 'list'])).toBe('main');
    for (const args of [['-h', 'send'], ['--help', 'send'], ['-V', 'send'], ['--bogus', 'send'], ['--', 'send'], ['help', 'send'], [], ['sendx']]) {
      expect(binEntryFor(args), args.join(' ')).toBe('main');
    }
  });
});

describe('the send-only tree', () => {
  it('shows the same `send` help, options and arguments as the full tree', () => {
    const full = sendOf(buildProgram());
    const alone = sendOf(buildSendProgram());
    expect(alone.helpInformation()).toBe(full.helpInformation());
    expect(buildSendProgram().options.map((o) => o.flags)).toEqual(buildProgram().options.map((o) => o.flags));
  });
});
