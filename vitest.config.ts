import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration and e2e tests start servers and processes; two workers match the two cores here.
    maxWorkers: 2,
    // expect.poll waits for servers and child processes; its 1 s default failed on a loaded CI machine
    // (a spawned serve took longer to write its runtime file). Polling returns as soon as it passes.
    expect: { poll: { timeout: 15_000 } },
  },
});
