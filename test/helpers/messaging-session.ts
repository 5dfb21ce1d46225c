/** A messaging session (as `send` opens one) on a fresh SQLite store (or `storeUrl`) against a test sandbox, for tests that run batches in process. */
import os from 'node:os';
import { resolveConfig } from '../../src/config/resolve.js';
import { type MessagingSession, openMessagingSession, type SessionOptions } from '../../src/messaging/session.js';
import { createKeychainStore } from '../../src/secrets/keychain.js';
import type { TestSandbox } from './sandbox.js';
import { sqliteUrl } from './stores.js';

export async function openSandboxSession(ts: TestSandbox, opts: SessionOptions = {}, storeUrl = sqliteUrl()): Promise<MessagingSession> {
  const env = { XDG_CONFIG_HOME: '/nonexistent-config', XDG_DATA_HOME: os.tmpdir(), OPENCLAW_TELEPHONY_STORE_URL: storeUrl, OPENCLAW_TELEPHONY_SANDBOX_URL: ts.sb.baseUrl, TWILIO_PHONE_NUMBER: ts.number };
  const resolution = await resolveConfig({ env, cwd: '/' });
  const settings = { resolution, keychain: createKeychainStore(), credentials: () => Promise.reject(new Error('the sandbox needs no credentials')) };
  return openMessagingSession(settings, { sandbox: true, ...opts });
}
