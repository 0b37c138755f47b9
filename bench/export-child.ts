/**
 * Run by ideas.bench.ts with `node --expose-gc --import tsx`: opens DATABASE_URL (seeded with a visit's idea
 * lists), starts the app, settles, then runs `/ideas_export` end to end as a coordinator and prints its time, the
 * memory before, the process's peak and the files' sizes as JSON.
 */
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { releaseFiles } from '../src/core/files.ts';
import type { Incoming } from '../src/core/types.ts';
import { visitsReady } from '../src/features/visits/visit-store.ts';
import { BENCH_VISIT } from './ideas-seed.ts';

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;

const app = await createApp({ config: loadConfig(process.env), floodLimit: false });
await visitsReady(app.database.db);
const incoming: Incoming = {
  identity: { platform: 'telegram', id: '1', displayName: 'Koordinatore' },
  chat: { platform: 'telegram', chatId: '1', kind: 'private' },
  payload: { type: 'command', name: 'ideas_export', args: BENCH_VISIT },
  capabilities: { buttons: true, forms: false, edits: true, files: true, maxTextLength: 4096, maxActionLength: 64 },
};
for (let i = 0; i < 3; i++) {
  gc?.();
  await new Promise((r) => setTimeout(r, 50));
}
const idle = process.memoryUsage().rss;
const idleMax = process.resourceUsage().maxRSS * 1024;
const t0 = performance.now();
const replies = await app.core.handle(incoming);
const ms = performance.now() - t0;
const peak = process.resourceUsage().maxRSS * 1024;
const sizes: Record<string, number> = {};
for (const r of replies) if (r.kind === 'file' && 'path' in r.file) sizes[r.file.name.split('.').pop()!] = mib((await stat(r.file.path).catch(() => ({ size: 0 }))).size);
await releaseFiles(replies);
await app.stop();
process.stdout.write(`${JSON.stringify({ ms: Math.round(ms), idleMiB: mib(idle), peakMiB: mib(peak), startPeakMiB: mib(idleMax), files: replies.filter((r) => r.kind === 'file').length, sizes })}\n`);
process.exit(0);
