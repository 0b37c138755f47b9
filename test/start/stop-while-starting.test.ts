import { describe, expect, it } from 'vitest';
import type { Adapter } from '../../src/core/adapter.ts';
import { testApp } from '../helpers/harness.ts';

describe('stopping while still starting', () => {
  it('waits for start-up work to finish, then closes, without an error (the console whose input ends at once)', async () => {
    const app = await testApp();
    let stopped: Promise<void> | undefined;
    // An adapter that asks to stop as soon as it is started, as the console does when its piped input has ended.
    const impatient = { platform: 'console', start: async () => void (stopped = app.stop()), stop: async () => undefined } as unknown as Adapter;
    let featureStarted = false;
    const slowStart = async () => {
      await new Promise((r) => setTimeout(r, 50));
      featureStarted = true;
    };
    app.registry.features.push({ name: 'slow-start', start: slowStart } as never);
    await expect(app.start([impatient])).resolves.toBeUndefined();
    await expect(stopped).resolves.toBeUndefined();
    expect(featureStarted).toBe(true);
  });
});
