/** Mounts the dashboard on the terminal; resolves when the operator quits (q or Ctrl-C). */
import { render } from 'ink';
import { Dashboard, type DashboardProps } from './dashboard.js';

export function renderDashboard(props: DashboardProps): { done: Promise<void>; unmount(): void } {
  const instance = render(<Dashboard {...props} />, { exitOnCtrlC: true });
  return { done: instance.waitUntilExit().then(() => undefined), unmount: () => instance.unmount() };
}
