/**
 * Flattens the commander tree into what completion scripts need: for each command path, its
 * subcommands and options, and the fixed values of options and arguments.
 */
import type { Command } from 'commander';
import { listLeaves } from '../config/schema.js';

export interface CompletionEntry {
  /** Words after the program name, e.g. "config set". */
  path: string;
  words: string[];
  /** Option flag -> its allowed values. */
  optionValues: Record<string, string[]>;
}

// Arguments whose values come from elsewhere than commander (the config schema).
const EXTRA_WORDS: Record<string, () => string[]> = {
  'config set': () => listLeaves().filter((l) => !l.spec.secret).map((l) => l.path),
};

export function buildCompletionTable(program: Command): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  const visit = (cmd: Command, path: string[], inherited: Command['options']) => {
    const options = [...inherited, ...cmd.options];
    const words = [...cmd.commands.map((c) => c.name()), ...options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)))];
    if (cmd.commands.length) words.push('help');
    for (const arg of cmd.registeredArguments) words.push(...((arg as unknown as { argChoices?: string[] }).argChoices ?? []));
    const key = path.join(' ');
    words.push(...(EXTRA_WORDS[key]?.() ?? []));
    const optionValues: Record<string, string[]> = {};
    for (const o of options) {
      const choices = (o as unknown as { argChoices?: string[] }).argChoices;
      if (choices && o.long) optionValues[o.long] = choices;
    }
    out.push({ path: path.join(' '), words: [...new Set(words)], optionValues });
    for (const sub of cmd.commands) visit(sub, [...path, sub.name()], options.filter((o) => isGlobal(o.long)));
  };
  visit(program, [], []);
  return out;
}

const GLOBAL_FLAGS = new Set(['--config', '--profile', '--json', '--quiet', '--no-color', '--sandbox']);
function isGlobal(flag: string | undefined): boolean {
  return flag !== undefined && GLOBAL_FLAGS.has(flag);
}
