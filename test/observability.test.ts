import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { esc } from '../src/core/markup.ts';
import { silentLogger } from '../src/log.ts';
import { Metrics } from '../src/metrics.ts';
import { startObservabilityServer } from '../src/observability.ts';
import { ON_POSTGRES, tempDir, testApp, testDatabaseUrl, TestUser, TELEGRAM_CAPS } from './helpers/harness.ts';
import { MemoryAdapter } from './helpers/memory-adapter.ts';
import { freePort } from './helpers/telegram-driver.ts';

const ROOT = join(import.meta.dirname, '..');
type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** The value of one sample in Prometheus text format, e.g. `bot_updates_total{platform="console",…}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('/healthz and /metrics', () => {
  it('serves health, update counts, deliveries by outcome, queue depth and process metrics on HTTP_PORT', async () => {
    const port = await freePort();
    app = await testApp({ now: '2026-03-20T10:00:00Z', env: { HTTP_PORT: String(port) } });
    const telegram = new MemoryAdapter('telegram');
    await app.start([telegram]);
    expect(app.httpPort()).toBe(port);
    const base = `http://127.0.0.1:${port}`;

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'ok', adapters: ['telegram'] });

    const user = new TestUser(app, { platform: 'console', id: 'metrics' });
    await user.deliver({ type: 'command', name: 'help', args: '' });
    await user.deliver({ type: 'command', name: 'programmes', args: '' });
    await user.send('hello there');
    const coordinator = await new TestUser(app, { platform: 'telegram', id: 'c1', caps: TELEGRAM_CAPS }).as('coordinator');
    for (const id of ['u1', 'u2', 'u3']) await new TestUser(app, { platform: 'telegram', id, caps: TELEGRAM_CAPS }).as('expert');
    telegram.failAlways('u3', { kind: 'unreachable', reason: 'Forbidden: bot was blocked by the user' });
    const person = await app.people.resolve(coordinator.identity(), app.clock.now());
    await app.announcements.store.create(
      { kind: 'general', text: esc('Sanāksme'), audience: { target: { type: 'everyone' } }, schedule: { type: 'now' } },
      { personId: person.id, report: { platform: 'telegram', chatId: 'c1' }, language: 'en' },
      app.clock.now(),
    );
    await app.announcements.worker.stop(); // the test drives delivery itself
    await app.announcements.tickNow();

    let metrics = await (await fetch(`${base}/metrics`)).text();
    expect(sample(metrics, 'bot_updates_total', { platform: 'console', type: 'command', outcome: 'ok' })).toBe(2);
    expect(sample(metrics, 'bot_updates_total', { platform: 'console', type: 'text', outcome: 'ok' })).toBe(1);
    expect(sample(metrics, 'bot_update_duration_seconds_count', { platform: 'console' })).toBe(3);
    expect(sample(metrics, 'bot_outbox_queue_depth')).toBe(4);
    expect(metrics).toContain('process_resident_memory_bytes');
    expect(metrics).toContain('nodejs_eventloop_lag_seconds');

    await app.announcements.worker.drain();
    metrics = await (await fetch(`${base}/metrics`)).text();
    expect(sample(metrics, 'bot_deliveries_total', { platform: 'telegram', outcome: 'sent' })).toBe(3);
    expect(sample(metrics, 'bot_deliveries_total', { platform: 'telegram', outcome: 'unreachable' })).toBe(1);
    expect(sample(metrics, 'bot_outbox_queue_depth')).toBe(0);

    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);

    await app.stop();
    expect(await app.health()).toMatchObject({ ok: false });
    await expect(fetch(`${base}/healthz`)).rejects.toThrow(); // the port is closed on shutdown
    app = undefined;
  });

  it.skipIf(ON_POSTGRES)('answers 503 when the database does not answer', async () => {
    app = await testApp();
    expect(await app.health()).toMatchObject({ ok: true, database: 'ok' });
    app.database.sqlite!.close();
    const h = await app.health();
    expect(h.ok).toBe(false);
    expect(String(h.database)).toMatch(/not open/);

    const metrics = new Metrics();
    const server = await startObservabilityServer({ port: 0, host: '127.0.0.1', metrics, health: () => app!.health(), log: silentLogger });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'unavailable' });
    } finally {
      await server.close();
    }
  });

  it('counts an update whose handler failed as an error', async () => {
    app = await testApp({ env: { HTTP_PORT: String(await freePort()) } });
    app.registry.commands.set('boom', { name: 'boom', access: [], description: 'common:commands.help', hidden: true, handle: async () => { throw new Error('boom'); } });
    await new TestUser(app, { id: 'b' }).deliver({ type: 'command', name: 'boom', args: '' });
    const text = await app.metrics!.text();
    expect(sample(text, 'bot_updates_total', { platform: 'console', type: 'command', outcome: 'error' })).toBe(1);
  });

  it('keeps no metrics without HTTP_PORT, where nothing could read them, and answers as before', async () => {
    app = await testApp();
    expect(app.metrics).toBeUndefined();
    const replies = await new TestUser(app, { id: 'm' }).deliver({ type: 'command', name: 'help', args: '' });
    expect(replies.length).toBeGreaterThan(0);
    await app.start([]);
    expect(app.httpPort()).toBeUndefined();
  });

  it('is wired into `npm start`: HTTP_PORT serves /healthz while the console runs', async () => {
    const port = await freePort();
    const dir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--console'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: testDatabaseUrl(dir), CONSOLE_FILES_DIR: join(dir, 'files'), HTTP_PORT: String(port) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let body: unknown;
      for (let i = 0; i < 300 && body === undefined; i++) {
        body = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => (r.status === 200 ? r.json() : undefined), () => undefined);
        if (body === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(body).toMatchObject({ status: 'ok', database: 'ok', adapters: ['console'] });
      child.stdin.end('/help\n');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
