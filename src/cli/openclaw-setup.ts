/**
 * The plugin's setup entry (package.json `openclaw.setupEntry`): the channel as OpenClaw reads it
 * without running it. OpenClaw loads this, not the full entry, for its read-only views of a channel,
 * `openclaw doctor` among them (that is where doctor finds the channel's doctor hooks). It declares
 * the channel only: no commands, routes or runtime.
 */
import { defineSetupPluginEntry } from 'openclaw/plugin-sdk/channel-core';
import { createTelephonyChannelCore } from '../openclaw/channel.js';

export default defineSetupPluginEntry(createTelephonyChannelCore());
