/**
 * The open-use-close pattern of the commands that read or change something: a REST client for Twilio
 * (or the sandbox), or the store. Both are closed whatever the command does.
 */
import { openStore, type Store } from '../store/open-store.js';
import { createTwilioClient, resolveTwilioAccess } from '../twilio/access.js';
import type { RestClient } from '../twilio/rest-client.js';
import type { CommandContext } from './context.js';
import { loadSettings, type Settings } from '../config/settings.js';

export async function withTwilioClient<T>(ctx: CommandContext, fn: (client: RestClient, settings: Settings) => Promise<T>): Promise<T> {
  const settings = await loadSettings(ctx.global);
  const client = createTwilioClient(await resolveTwilioAccess(settings, { sandbox: ctx.global.sandbox }));
  try {
    return await fn(client, settings);
  } finally {
    await client.close();
  }
}

export async function withStore<T>(ctx: CommandContext, fn: (store: Store, settings: Settings) => Promise<T>): Promise<T> {
  const settings = await loadSettings(ctx.global);
  const store = await openStore(settings.resolution.config.store.url);
  try {
    return await fn(store, settings);
  } finally {
    await store.close();
  }
}
