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
