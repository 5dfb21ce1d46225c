/**
 * The `openclaw telephony` root command as OpenClaw's root help lists it. The manifest's `cliCommands`
 * row says the same (a test keeps them equal), so `openclaw --help` lists it without loading the plugin.
 */
import type { PluginCliCommandDescriptor } from './sdk.js';

export const TELEPHONY_CLI_DESCRIPTOR: PluginCliCommandDescriptor = {
  name: 'telephony',
  description: 'The phone line of an AI agent: texts and calls through Twilio',
  hasSubcommands: true,
};
