/**
 * `openclaw telephony ...`: mounts this tool's whole command tree on the `telephony` command of the
 * program OpenClaw hands over. Loaded only when OpenClaw runs that command (the registrar imports it).
 */
import type { Command } from 'commander';
import { setCommandHost } from '../command-prefix.js';
import { TELEPHONY_CLI_DESCRIPTOR } from '../openclaw/cli-descriptor.js';
import { registerTelephonyTree } from './program.js';

export function registerTelephonyCli(program: Command): Command {
  // From here on hints and printed commands say `openclaw telephony ...`.
  setCommandHost('openclaw');
  const telephony = program.command(TELEPHONY_CLI_DESCRIPTOR.name);
  return registerTelephonyTree(telephony, 'openclaw');
}
