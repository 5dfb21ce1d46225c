import { describe, expect, it } from 'vitest';
import { prefixForScript } from '../../src/command-prefix.js';

describe('the command prefix printed in hints', () => {
  it('is the binary name when the package is installed (PATH link, npm shim, global folder)', () => {
    expect(prefixForScript('/usr/local/bin/openclaw-telephony')).toBe('openclaw-telephony');
    expect(prefixForScript('C:\\Users\\ann\\AppData\\Roaming\\npm\\node_modules\\openclaw-telephony\\bin\\openclaw-telephony.js')).toBe('openclaw-telephony');
    expect(prefixForScript('/home/ann/.local/lib/node_modules/openclaw-telephony/bin/openclaw-telephony.js')).toBe('openclaw-telephony');
  });

  it('is `npx openclaw-telephony` from a clone, where no binary is on the PATH', () => {
    expect(prefixForScript('/home/ann/src/openclaw-telephony/bin/openclaw-telephony.js')).toBe('npx openclaw-telephony');
    expect(prefixForScript('C:\\src\\openclaw-telephony\\bin\\openclaw-telephony.js')).toBe('npx openclaw-telephony');
    expect(prefixForScript('/root/.npm/_npx/2eb1990ed53c7fad/node_modules/.bin/openclaw-telephony')).toBe('npx openclaw-telephony');
  });
});

describe('the hint for creating a configuration', () => {
  it("names OpenClaw's openclaw.json inside OpenClaw, and `config init` standalone", async () => {
    const { setCommandHost } = await import('../../src/command-prefix.js');
    const { createConfigHint } = await import('../../src/config/openclaw-config.js');
    const saved = process.env.OPENCLAW_CONFIG_PATH;
    process.env.OPENCLAW_CONFIG_PATH = '/srv/oc/openclaw.json';
    try {
      expect(createConfigHint()).toMatch(/^Create one with `.*openclaw-telephony config init`\.$/);
      setCommandHost('openclaw');
      expect(createConfigHint()).toBe("Add a channels.telephony section to OpenClaw's /srv/oc/openclaw.json (or write a project file with `openclaw telephony config init`).");
    } finally {
      setCommandHost('standalone');
      if (saved === undefined) delete process.env.OPENCLAW_CONFIG_PATH;
      else process.env.OPENCLAW_CONFIG_PATH = saved;
    }
  });
});
