/**
 * Pages each step of the telegram bench's script writes to SQLite's log, our bot's and the fair anchor's, and
 * which tables and indexes they belong to (SQLite's `dbstat`):
 *   node --import tsx bench/wal-pages.ts [users]
 * Every page written is written again by the next checkpoint, and checkpoints come every 1,000 pages, whoever
 * commits the thousandth (issue 17's sixth round). A tool for looking; `npm run bench` is what measures.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Update } from 'grammy/types';
import { tempDir } from '../test/helpers/harness.ts';
import { createAnchor } from './anchor.ts';
import { BOT_INFO, LocalApi, nextUpdate, SCRIPT, startOurBot } from './telegram.bench.ts';

const users = Number(process.argv[2] ?? 40);
const file = join(tempDir('bench-wal-'), 'bot.sqlite');
const { app, api, adapter } = await startOurBot(`sqlite:${file}`);
await new Promise((r) => setTimeout(r, 300)); // start-up work (a first sweep) done before counting
const anchor = await createAnchor({ token: '7000000001:bench', botInfo: BOT_INFO, transformer: new LocalApi().transformer(false), database: { sqliteFile: file } });
const probe = new SQLite(file);
const pageSize = probe.pragma('page_size', { simple: true }) as number;

/** The page numbers of the log's valid frames: those carrying the salt of the log's header. */
function loggedPages(): number[] {
  const fd = openSync(`${file}-wal`, 'r');
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(32);
    readSync(fd, header, 0, 32, 0);
    const frame = Buffer.alloc(24);
    const pages: number[] = [];
    for (let at = 32; at + 24 <= size; at += 24 + pageSize) {
      readSync(fd, frame, 0, 24, at);
      if (frame.readUInt32BE(8) !== header.readUInt32BE(16) || frame.readUInt32BE(12) !== header.readUInt32BE(20)) break;
      pages.push(frame.readUInt32BE(0));
    }
    return pages;
  } finally {
    closeSync(fd);
  }
}

/** Runs one update from an empty log and returns the pages it wrote. */
async function written(handle: () => Promise<unknown>): Promise<number[]> {
  probe.pragma('wal_checkpoint(TRUNCATE)');
  await handle();
  return loggedPages();
}

const perStep = SCRIPT.map(() => ({ ours: 0, anchor: 0, where: new Map<string, number>() }));
let nextUser = 40_000_000;
for (let u = 0; u < users; u++) {
  const userId = nextUser++;
  const recorded: Update[] = [];
  for (const [k, step] of SCRIPT.entries()) {
    const update = nextUpdate(api, userId, step);
    recorded.push(update);
    const pages = await written(() => adapter.bot.handleUpdate(update));
    perStep[k]!.ours += pages.length;
    if (u === users - 1) {
      const names = new Map((probe.prepare('select pageno, name from dbstat').all() as Array<{ pageno: number; name: string }>).map((r) => [r.pageno, r.name]));
      for (const p of pages) perStep[k]!.where.set(names.get(p) ?? `page ${p}`, (perStep[k]!.where.get(names.get(p) ?? `page ${p}`) ?? 0) + 1);
    }
  }
  for (const [k, update] of recorded.entries()) perStep[k]!.anchor += (await written(() => anchor.bot.handleUpdate(update))).length;
}

process.stdout.write('  ours  anchor  step                                     pages of the last person\'s update\n');
for (const [k, step] of SCRIPT.entries()) {
  const s = perStep[k]!;
  const where = [...s.where].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
  process.stdout.write(`${(s.ours / users).toFixed(1).padStart(6)}  ${(s.anchor / users).toFixed(1).padStart(6)}  ${JSON.stringify(step).padEnd(40)} ${where}\n`);
}
const total = (who: 'ours' | 'anchor') => perStep.reduce((a, s) => a + s[who], 0) / users / SCRIPT.length;
process.stdout.write(`pages an update: ours ${total('ours').toFixed(2)}, anchor ${total('anchor').toFixed(2)}\n`);
probe.close();
await app.stop();
await anchor.close();
