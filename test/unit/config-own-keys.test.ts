/** Keys named like Object.prototype's members are unknown keys, not "expected a undefined" (#16). */
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { validateTelephony } from '../../src/config/validate.js';

describe('config keys that Object.prototype also has', () => {
  it('constructor, toString, __proto__ and hasOwnProperty are refused as unknown keys, at any depth', () => {
    const raw = JSON5.parse('{ constructor: 1, toString: 2, __proto__: { x: 1 }, hasOwnProperty: 3, agent: { constructor: "x" } }');
    const problems = validateTelephony(raw);
    expect(problems.map((p) => p.message)).toEqual([
      'unknown key "constructor"',
      'unknown key "toString"',
      'unknown key "__proto__"',
      'unknown key "hasOwnProperty"',
      'unknown key "agent.constructor"',
    ]);
    for (const p of problems) {
      expect(p.severity).toBe('error');
      expect(p.hint).toMatch(/^Known keys here: /);
      expect(`${p.message} ${p.hint}`).not.toContain('undefined');
    }
  });
});
