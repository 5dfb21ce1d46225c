/**
 * Issue #18: `openclaw doctor` reports the telephony channel. The real `openclaw doctor
 * --non-interactive` runs against two OpenClaw homes that load this plugin from the repository
 * (plugins.load.paths, as `plugins install --link` records it): one with a broken channels.telephony,
 * whose problems must appear among doctor's warnings with their keys, and one with a good section,
 * about which doctor must say nothing. OpenClaw finds the channel's doctor hooks on the plugin of its
 * setup entry (package.json `openclaw.setupEntry`). Secrets never appear in what doctor prints.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, REPO } from '../helpers/cli.js';
import { HAVE_OPENCLAW_BIN, openclaw } from '../helpers/openclaw.js';

const TOKEN_VARIABLE = 'DOCTOR_TEST_AUTH_TOKEN';
const TOKEN = 'doctor-token-0f3c9a7e5b1d';
const PLAIN_SECRET = 'plain-api-secret-7d41c2';

/** An OpenClaw home whose config loads this plugin and holds `telephony(home)` as channels.telephony. */
function openclawHome(telephony: (home: string) => Record<string, unknown>) {
  const home = isolatedEnv({ npm_config_update_notifier: 'false', [TOKEN_VARIABLE]: TOKEN });
  mkdirSync(path.join(home.home, '.openclaw'));
  const config = { plugins: { load: { paths: [REPO] }, entries: { 'openclaw-telephony': { enabled: true } } }, channels: { telephony: telephony(home.home) } };
  writeFileSync(path.join(home.home, '.openclaw/openclaw.json'), JSON.stringify(config, null, 2));
  return home;
}

/** doctor's notes are drawn in boxes, with long lines wrapped: the words alone, in one line. */
const words = (output: string) => output.replace(/[│┃┌└├┤╭╮╯╰◇◆●─]/g, ' ').replace(/\s+/g, ' ');

async function doctor(home: ReturnType<typeof openclawHome>): Promise<string> {
  const res = await openclaw(['doctor', '--non-interactive'], home.env, home.cwd);
  expect(res.code, res.stderr + res.stdout).toBe(0);
  return res.stdout + res.stderr;
}

describe.skipIf(!HAVE_OPENCLAW_BIN)('`openclaw doctor` and the telephony channel', () => {
  it('names what is wrong with channels.telephony, key by key, and says nothing of a good section; secrets never show', async () => {
    const broken = openclawHome((home) => {
      // A store that cannot open: its folder is a file.
      const notAFolder = path.join(home, 'not-a-folder');
      writeFileSync(notAFolder, '');
      return {
        fromNumber: '5551234',
        inboundPolicy: 'open',
        store: { url: path.join(notAFolder, 'telephony.sqlite') },
        twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: { source: 'env', provider: 'default', id: 'DOCTOR_TEST_UNSET_VARIABLE' }, apiKey: 'SK0123456789abcdef0123456789abcdef', apiSecret: PLAIN_SECRET },
      };
    });
    const good = openclawHome(() => ({
      fromNumber: '+15550001234',
      publicUrl: 'http://127.0.0.1:18789',
      inboundPolicy: 'pairing',
      twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: { source: 'env', provider: 'default', id: TOKEN_VARIABLE } },
    }));

    const [brokenOut, goodOut] = await Promise.all([doctor(broken), doctor(good)]);
    const said = words(brokenOut);
    expect(said).toContain('channels.telephony.publicUrl is not set');
    expect(said).toContain('channels.telephony.fromNumber: expected a phone number in E.164 form');
    expect(said).toContain('channels.telephony.inboundPolicy: inboundPolicy is "open"');
    expect(said).toContain('channels.telephony.twilio.authToken: the SecretRef env:default:DOCTOR_TEST_UNSET_VARIABLE names the environment variable DOCTOR_TEST_UNSET_VARIABLE, which is not set');
    expect(said).toContain('channels.telephony.twilio.apiSecret');
    expect(said).toMatch(/channels\.telephony \(store\): /);
    // Fixes name the commands as they exist beside OpenClaw.
    expect(said).toContain('openclaw telephony');
    expect(brokenOut).not.toContain(PLAIN_SECRET);

    expect(words(goodOut)).not.toContain('channels.telephony');
    expect(goodOut).not.toContain(TOKEN);
  }, 600_000);
});
