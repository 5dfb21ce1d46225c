import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

/** A terminal's screen as lines, from what was written to it: \r, ESC[K and \n are honoured. */
function screenOf(written: string): string[] {
  const lines = [''];
  let col = 0;
  for (let i = 0; i < written.length; i++) {
    const ch = written[i];
    const row = lines.length - 1;
    if (ch === '\r') col = 0;
    else if (ch === '\n') {
      lines.push('');
      col = 0;
    } else if (written.startsWith('\u001b[K', i)) {
      lines[row] = lines[row].slice(0, col);
      i += 2;
    } else {
      lines[row] = lines[row].slice(0, col) + ch + lines[row].slice(col + 1);
      col++;
    }
  }
  return lines;
}

/** stdout and stderr that both write to one recorded terminal, like an interactive console. */
function terminal(isTTY: boolean) {
  let written = '';
  const stream = (): NodeJS.WriteStream => {
    const s = new PassThrough() as unknown as NodeJS.WriteStream;
    s.write = ((chunk: string) => ((written += chunk), true)) as NodeJS.WriteStream['write'];
    (s as { isTTY: boolean }).isTTY = isTTY;
    return s;
  };
  return { stdout: stream(), stderr: stream(), screen: () => screenOf(written), raw: () => written };
}

describe('batch progress', () => {
  it('on a terminal, rows print above a bar that redraws in place, never on its line', () => {
    const t = terminal(true);
    const progress = createProgress(3, t.stderr);
    for (let i = 1; i <= 3; i++) {
      progress.above(() => t.stdout.write(`row ${i} SM${i} queued\n`));
      progress.update(i, 0);
    }
    progress.finish();
    const screen = t.screen().filter(Boolean);
    expect(screen.slice(0, 3)).toEqual(['row 1 SM1 queued', 'row 2 SM2 queued', 'row 3 SM3 queued']);
    expect(screen[3]).toMatch(/^\[#+\] sent 3 {2}failed 0 {2}remaining 0 /);
    expect(screen).toHaveLength(4);
  });

  it('off a terminal there is no bar: plain lines only', () => {
    const t = terminal(false);
    const progress = createProgress(2, t.stderr);
    progress.above(() => t.stdout.write('row 1 SM1 queued\n'));
    progress.update(1, 0);
    progress.above(() => t.stdout.write('row 2 SM2 queued\n'));
    progress.update(2, 0);
    progress.finish();
    expect(t.raw()).toBe('row 1 SM1 queued\nrow 2 SM2 queued\n');
  });
});
