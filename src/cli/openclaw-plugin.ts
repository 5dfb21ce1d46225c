/**
 * The OpenClaw plugin entry (package.json `openclaw.extensions`, openclaw.plugin.json): the
 * `telephony` channel (src/openclaw/channel.ts) with its webhook routes on the Gateway, and the
 * `openclaw telephony` command tree. Registration stays light: OpenClaw evaluates it for root help and
 * discovery, so it only declares things; the command tree, the webhook pipeline and the sending code
 * load when a command runs, the Gateway starts the account, or OpenClaw sends a text.
 */
import { defineChannelPluginEntry } from 'openclaw/plugin-sdk/channel-core';
import { createTelephonyChannel } from '../openclaw/channel.js';
import { TELEPHONY_CLI_DESCRIPTOR } from '../openclaw/cli-descriptor.js';
import type { PluginApi, PluginRuntime } from '../openclaw/sdk.js';
import { createWebhookRoutes, mediaPath, webhookPaths } from '../openclaw/webhook-routes.js';

let runtime: PluginRuntime | undefined;
const routes = createWebhookRoutes();
const plugin = createTelephonyChannel({
  routes,
  runtime() {
    if (!runtime) throw new Error('OpenClaw has not handed the telephony plugin its runtime (it is set when the plugin is loaded in full).');
    return runtime;
  },
});

export default defineChannelPluginEntry({
  id: 'openclaw-telephony',
  name: 'Telephony',
  description: 'The phone line of an AI agent: texts and calls through Twilio, with a local sandbox',
  plugin,
  setRuntime(r: PluginRuntime) {
    runtime = r;
  },
  registerCliMetadata(api: PluginApi) {
    api.registerCli(
      async ({ program }) => {
        const { registerTelephonyCli } = await import('./openclaw-mount.js');
        registerTelephonyCli(program);
      },
      { descriptors: [TELEPHONY_CLI_DESCRIPTOR] },
    );
  },
  registerFull(api: PluginApi) {
    // Twilio's webhooks for this channel (serve.path, serve.voicePath, serve.statusPath) and the MMS files it fetches (serve.mediaPath) on the Gateway.
    for (const route of routes.routes(webhookPaths(api.config), mediaPath(api.config))) api.registerHttpRoute(route);
  },
});
