/** The child_process commander gets in the send bundle: loaded on the first spawn, and that spawn works as node:child_process's. */
import { describe, expect, it } from 'vitest';
import { spawn } from '../../src/cli/child-process-on-demand.js';

describe('child-process-on-demand', () => {
  it('spawns as node:child_process does (arguments, options, exit code)', async () => {
    const child = spawn(process.execPath, ['-e', 'process.exit(Number(process.argv[1]))', '7'], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).toBe(7);
  });
});
