import { describe, expect, it } from 'vitest';
import { parseFaults } from '../../src/sandbox/faults.js';
import { planStreamFaults, StreamFaults } from '../../src/sandbox/voice/stream/stream-faults.js';
import { drawCallFault, faultRandom } from '../../src/sandbox/voice/voice-faults.js';

describe('--fault voice faults', () => {
  it('reads every voice fault beside the REST ones, with defaults', () => {
    const spec = parseFaults('429:5%,call-busy:10%,voice-timeout:20%,stream-drop:30%@2s,packet-loss:3%,jitter:40ms,echo:30%,seed:7');
    expect(spec.statuses).toEqual([{ status: 429, probability: 0.05 }]);
    expect(spec).toMatchObject({
      callOutcomes: [{ status: 'busy', probability: 0.1 }],
      voiceTimeout: 0.2,
      streamDrop: { probability: 0.3, afterMs: 2000 },
      packetLoss: 0.03,
      jitterMs: 40,
      echo: { gain: 0.3, delayMs: 120 },
      seed: 7,
    });
    expect(parseFaults('stream-drop:5%,echo:50%@0.2s').streamDrop).toEqual({ probability: 0.05, afterMs: 5000 });
    expect(parseFaults('echo:50%@0.2s').echo).toEqual({ gain: 0.5, delayMs: 200 });
  });

  it.each(['packet-loss:150%', 'jitter:5%', 'jitter:2s', 'echo:30%@10ms', 'voice-timeout:fast', 'seed:x', 'stream-drop:10'])('refuses "%s" and names the voice syntax', (part) => {
    expect(() => parseFaults(part)).toThrow(expect.objectContaining({ message: `--fault: cannot read "${part}"`, hint: expect.stringContaining('packet-loss:PERCENT%') }));
  });

  it('draws the same faults again from the same seed', () => {
    const draws = () => {
      const spec = parseFaults('call-busy:50%,packet-loss:10%,seed:42');
      const calls = Array.from({ length: 20 }, () => drawCallFault(spec));
      const plan = planStreamFaults(spec)!;
      const faults = new StreamFaults(plan);
      const lost = Array.from({ length: 500 }, (_, i) => (faults.losesFrame(i * 20) ? i : -1)).filter((i) => i >= 0);
      return { calls, lost };
    };
    const first = draws();
    expect(draws()).toEqual(first);
    expect(first.calls.filter(Boolean).length).toBeGreaterThan(3);
    // About a tenth of 500 frames, exactly the same ones every run.
    expect(first.lost.length).toBeGreaterThan(30);
    expect(first.lost.length).toBeLessThan(70);
    expect(faultRandom(parseFaults('call-busy:1%'))).toBe(Math.random);
  });
});
