/**
 * The standalone binary's commander program, and the send-only tree built on it. The binary loads the
 * send-only tree for `send` (bin-entry.ts): the same `send` command and global options as the full tree
 * (send-command.ts, tree.ts), without the other commands, so that its bundle is a handful of files.
 * On Node 20 each ES module file costs ~0.45 ms to load, and the full tree's splitting put a
 * one-message send across ~35 of them.
 */
import { Command } from 'commander';
import { registerSendCommand } from './send-command.js';
import { mountTree } from './tree.js';

export function standaloneRoot(): Command {
  const program = new Command('openclaw-telephony');
  program.configureHelp({ showGlobalOptions: true });
  return program;
}

export function buildSendProgram(): Command {
  return mountTree(standaloneRoot(), 'standalone', (root) => {
    registerSendCommand(root);
    return undefined;
  });
}
