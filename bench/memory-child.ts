/**
 * Compiled and run by memory.bench.ts with `node --expose-gc`: opens DATABASE_URL, starts the whole app with a
 * Telegram adapter that never answers (so the delivery worker has claimed its first rows and waits, the rest stay
 * pending), lets the background work settle, and prints its memory as JSON. With MEMORY_ANNOUNCE=1 it then starts
 * a "now" announcement to everyone (the audience resolved page by page, every outbox row written in one
 * transaction) and prints the peak.
 */
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Adapter } from '../src/core/adapter.ts';
import { esc } from '../src/core/markup.ts';

const gc = (globalThis as { gc?: () => void }).gc;
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
};
const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
const snapshot = () => {
  const m = process.memoryUsage();
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), heapTotalMiB: mib(m.heapTotal), externalMiB: mib(m.external), peakRssMiB: mib(process.resourceUsage().maxRSS * 1024) };
};

// A function, not top-level await: the bench compiles this as npm start's bot is compiled, into CommonJS.
async function measure(): Promise<void> {
  const app = await createApp({ config: loadConfig(process.env) });
  const paused: Adapter = {
    platform: 'telegram',
    capabilities: { buttons: true, forms: false, edits: true, files: true, maxTextLength: 4096, maxActionLength: 64 },
    start: async () => undefined,
    stop: async () => undefined,
    send: () => new Promise(() => undefined),
  };
  await app.start([paused]);
  await new Promise((r) => setTimeout(r, Number(process.env.MEMORY_SETTLE_MS ?? 1500)));
  await settle();
  const idle = snapshot();
  const depth = await app.announcements.outbox.depth();
  let announce: ReturnType<typeof snapshot> & { recipients?: number; ms?: number } = { ...idle };
  if (process.env.MEMORY_ANNOUNCE === '1') {
    const coordinator = await app.database.db.selectFrom('persons').select('id').where('role', '=', 'coordinator').executeTakeFirstOrThrow();
    await app.announcements.store.create(
      { kind: 'general', text: esc('Atgādinājums visiem'), audience: { target: { type: 'everyone' } }, schedule: { type: 'now' } },
      { personId: coordinator.id, report: { platform: 'discord', chatId: '1' }, language: 'lv' }, // no Discord adapter: the progress post fails at once instead of waiting on the paused one
      new Date(),
    );
    const t0 = performance.now();
    const tick = await app.announcements.tickNow();
    const ms = performance.now() - t0;
    await settle();
    announce = { ...snapshot(), recipients: tick.started[0]?.total ?? 0, ms: Math.round(ms) };
  }
  process.stdout.write(`${JSON.stringify({ idle, depth, announce })}\n`);
  process.exit(0);
}

measure().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
