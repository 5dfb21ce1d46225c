/** Terminal input: a visible line, or a hidden one for secrets. */

export async function ask(question: string, opts: { hidden?: boolean } = {}): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  if (!opts.hidden) {
    // Loaded here: node:readline (and readline/promises with it) is ~1 ms of every `send`, which rarely asks anything.
    const { createInterface } = await import('node:readline');
    const rl = createInterface({ input, output, terminal: true });
    try {
      return await new Promise<string>((resolve) => rl.question(question, resolve));
    } finally {
      rl.close();
    }
  }
  // Hidden: read raw keystrokes ourselves, echoing nothing.
  output.write(question);
  input.setRawMode?.(true);
  input.resume();
  input.setEncoding('utf8');
  return await new Promise<string>((resolve, reject) => {
    let value = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          cleanup();
          output.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          reject(Object.assign(new Error('Interrupted.'), { exitCode: 130, code: 'interrupted' }));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const cleanup = () => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
    };
    input.on('data', onData);
  });
}

/** Everything piped in, as bytes: text inputs decode them by their mark (src/text/input-text.ts). */
export async function readAllStdinBytes(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function readAllStdin(): Promise<string> {
  return (await readAllStdinBytes()).toString('utf8');
}

/** Asks yes/no on a terminal; false when there is none. */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  return /^y(es)?$/i.test((await ask(`${question} [y/N] `)).trim());
}
