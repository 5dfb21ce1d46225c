/**
 * The OpenClaw plugin entry (package.json `openclaw.extensions`, openclaw.plugin.json). It lives in
 * src/cli/ because all it adds to OpenClaw is the command tree. Registration
 * stays light: OpenClaw evaluates it for root help and discovery, so it only declares the `telephony`
 * command; the command tree and every command module load when that command runs.
 */
import { definePluginEntry } from 'openclaw/plugin-sdk/plugin-entry';
import { TELEPHONY_CLI_DESCRIPTOR } from '../openclaw/cli-descriptor.js';
import type { PluginApi } from '../openclaw/sdk.js';

export default definePluginEntry({
  id: 'openclaw-telephony',
  name: 'Telephony',
  description: 'The phone line of an AI agent: texts and calls through Twilio, with a local sandbox',
  register(api: PluginApi) {
    api.registerCli(
      async ({ program }) => {
        const { registerTelephonyCli } = await import('./openclaw-mount.js');
        registerTelephonyCli(program);
      },
      { descriptors: [TELEPHONY_CLI_DESCRIPTOR] },
    );
  },
});
