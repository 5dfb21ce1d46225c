import { describe, expect, it } from 'vitest';
import { withoutOurSecrets } from '../../src/agent/child-env.js';

describe('withoutOurSecrets (the environment of the tailscale CLI)', () => {
  it("drops this tool's Twilio, OpenClaw and ngrok variables and keeps the helper's own", () => {
    const env = withoutOurSecrets({
      PATH: '/usr/bin',
      TS_SOCKET: '/run/tailscale.sock',
      TWILIO_AUTH_TOKEN: 'b4'.repeat(16),
      twilio_api_secret: 'lower-case-too',
      OPENCLAW_AGENT_TOKEN: 'agent-secret',
      NGROK_AUTHTOKEN: 'ngrok-secret',
    });
    expect(env).toEqual({ PATH: '/usr/bin', TS_SOCKET: '/run/tailscale.sock' });
  });
});
