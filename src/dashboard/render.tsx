/**
 * Mounts the dashboard on the terminal; `done` resolves when the operator quits (q or Ctrl-C) and
 * rejects when the dashboard fails (an exception in its input handling or its rendering): the
 * caller then goes on without it. Ink reads the keyboard through KeyboardInput, which keeps the
 * escape sequences Ink's key parser cannot handle away from it.
 */
import { render } from 'ink';
import { Dashboard, type DashboardProps } from './dashboard.js';
import { KeyboardInput } from './keyboard-input.js';

export function renderDashboard(props: DashboardProps): { done: Promise<void>; unmount(): void } {
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_resolve, reject) => (fail = reject));
  const stdin = new KeyboardInput(process.stdin, (err) => fail(err));
  const instance = render(<Dashboard {...props} />, { exitOnCtrlC: true, stdin: stdin as unknown as NodeJS.ReadStream });
  const done = Promise.race([instance.waitUntilExit().then(() => undefined), failed]);
  return {
    done,
    unmount: () => {
      try {
        instance.unmount();
      } finally {
        stdin.release();
      }
    },
  };
}
