/** The keyboard filter in front of Ink (trial H3: Ctrl+F1 or a pasted ESC[0m made Ink throw and killed serve). */
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { filterKeySequences, flushHeld } from '../../src/dashboard/key-sequences.js';
import { KeyboardInput } from '../../src/dashboard/keyboard-input.js';

const ESC = '\u001b';

describe('filterKeySequences', () => {
  it('drops CSI sequences Ink cannot name, keeps text, arrows, Home/End, Delete, Shift+Tab, Esc and Alt+key', () => {
    const input = `a${ESC}[1;5Pb${ESC}[1;5S${ESC}[0m${ESC}[31mc${ESC}[I${ESC}[O${ESC}[200~paste${ESC}[201~` + `${ESC}[A${ESC}[1;5B${ESC}OC${ESC}[3~${ESC}[5;5~${ESC}[Z${ESC}[H${ESC}x${ESC}`;
    const { pass, held } = filterKeySequences('', input);
    expect(pass).toBe(`abcpaste${ESC}[A${ESC}[1;5B${ESC}OC${ESC}[3~${ESC}[5;5~${ESC}[Z${ESC}[H${ESC}x`);
    expect(held).toBe(ESC);
    expect(flushHeld(held)).toBe(ESC);
  });

  it('joins a sequence split across chunks at every byte, and drops or keeps it whole', () => {
    for (const sequence of [`${ESC}[1;5P`, `${ESC}[31m`, `${ESC}[0m`, `${ESC}[I`]) {
      for (let cut = 1; cut < sequence.length; cut++) {
        const first = filterKeySequences('', 'x' + sequence.slice(0, cut));
        const second = filterKeySequences(first.held, sequence.slice(cut) + 'y');
        expect(first.pass + second.pass).toBe('xy');
        expect(second.held).toBe('');
      }
    }
    const first = filterKeySequences('', `${ESC}[1;`);
    expect(filterKeySequences(first.held, '5A').pass).toBe(`${ESC}[1;5A`);
  });

  it('an unfinished sequence left alone is dropped, never passed half (only a lone ESC is the Esc key)', () => {
    expect(flushHeld(`${ESC}[3`)).toBe('');
    expect(filterKeySequences('', `${ESC}[3`).pass).toBe('');
  });
});

describe('KeyboardInput', () => {
  const terminal = () => Object.assign(new PassThrough(), { setRawMode: vi.fn(), ref: vi.fn(), unref: vi.fn() });

  it('hands Ink the filtered keys, a lone ESC after a short wait, and raw mode to the terminal', async () => {
    const source = terminal();
    const input = new KeyboardInput(source, () => {});
    input.setRawMode(true);
    expect(source.setRawMode).toHaveBeenCalledWith(true);
    let seen = '';
    input.on('readable', () => {
      let chunk;
      while ((chunk = input.read()) !== null) seen += chunk;
    });
    source.write(`q${ESC}[1;5P`);
    source.write(`${ESC}[3`);
    source.write(`1mz${ESC}`);
    await vi.waitFor(() => expect(seen).toBe(`qz${ESC}`));
    input.release();
    expect(source.setRawMode).toHaveBeenLastCalledWith(false);
  });

  it('an exception from a reader of the keys goes to onFailure instead of becoming uncaught', async () => {
    const source = terminal();
    const onFailure = vi.fn();
    const input = new KeyboardInput(source, onFailure);
    input.on('readable', () => {
      input.read();
      throw new TypeError("Cannot read properties of undefined (reading 'startsWith')");
    });
    source.write('x');
    await vi.waitFor(() => expect(onFailure).toHaveBeenCalledWith(expect.any(TypeError)));
    input.release();
  });
});
