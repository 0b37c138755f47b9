import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Bot, type Transformer } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import pg from 'pg';
import { tempDir } from '../test/helpers/harness.ts';
import { createAnchor } from './anchor.ts';
import { importCompiled } from './compiled.ts';
import type { BenchModule, BenchResult } from './run.ts';

export const title = 'telegram updates';

/**
 * Every bot gets the same updates through `bot.handleUpdate(update)` (what webhook mode and long polling both end
 * in), and every Bot API call it makes is answered inside the process by a grammY transformer that returns a
 * plausible result without any network. So the figures are the cost of the bot itself — grammY's middleware, our
 * adapter, the core, the features and the database — and not of sockets or of a fake server sharing the two cores.
 * Our bot is compared with the fair anchor (anchor.ts: a grammY bot with a session in the same database, i18next and
 * a keyboard per update); a bare grammY bot answering "ok" is kept as the floor.
 */
export const BOT_INFO: UserFromGetMe = {
  id: 7000000001,
  is_bot: true,
  first_name: 'Roma network',
  username: 'roma_network_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

type Keyboard = Array<Array<{ text: string; callback_data?: string }>>;

/** Answers every Bot API call locally; remembers the keyboards sent per chat so the script can press buttons. */
export class LocalApi {
  readonly keyboards = new Map<number, Array<{ messageId: number; rows: Keyboard }>>();
  calls = 0;
  private nextId = 1;

  transformer(record: boolean): Transformer {
    return (async (_prev: unknown, method: string, payload: Record<string, unknown>, signal?: AbortSignal) => {
      this.calls++;
      switch (method) {
        case 'getMe':
          return { ok: true, result: BOT_INFO };
        case 'getUpdates': {
          // Long polling idles until stopped: updates come in through handleUpdate instead.
          if (!payload.timeout) return { ok: true, result: [] };
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 1000 * Number(payload.timeout));
            signal?.addEventListener('abort', () => {
              clearTimeout(t);
              resolve();
            });
          });
          return { ok: true, result: [] };
        }
        case 'sendMessage':
        case 'sendDocument':
        case 'sendPhoto': {
          const chatId = Number(payload.chat_id);
          const messageId = this.nextId++;
          const markup = payload.reply_markup as { inline_keyboard?: Keyboard } | undefined;
          if (record && markup?.inline_keyboard) {
            // The script presses the first keyboard (a stale one) or the latest: only those two are kept, so the
            // harness's own memory stays flat (every keyboard kept was 15 MiB more live heap over 900 people, which
            // every bot's collections then had to mark).
            const list = this.keyboards.get(chatId) ?? [];
            list.splice(Math.min(list.length, 1), 1, { messageId, rows: markup.inline_keyboard });
            this.keyboards.set(chatId, list);
          }
          return {
            ok: true,
            result: {
              message_id: messageId,
              date: Math.floor(Date.now() / 1000),
              chat: { id: chatId, type: 'private', first_name: 'User' },
              from: BOT_INFO,
              ...(method === 'sendMessage' ? { text: String(payload.text ?? '') } : { caption: String(payload.caption ?? '') }),
            },
          };
        }
        default:
          // answerCallbackQuery, editMessageReplyMarkup, editMessageText, setMyCommands, deleteWebhook …
          return { ok: true, result: true };
      }
    }) as unknown as Transformer;
  }
}

let updateId = 1;
const date = () => Math.floor(Date.now() / 1000);
// Telegram sends the same User object with a message and with a button press (issue 17's bench sent presses
// without the last name, so every press looked like a renamed account and was written back).
const user = (userId: number) => ({ id: userId, is_bot: false, first_name: 'Ilze', last_name: 'Bērziņa', language_code: 'lv' });
function message(userId: number, text: string): Update {
  const from = user(userId);
  const entities = text.startsWith('/') ? [{ type: 'bot_command' as const, offset: 0, length: text.split(' ')[0]!.length }] : undefined;
  return { update_id: updateId++, message: { message_id: updateId, date: date(), chat: { id: userId, type: 'private', first_name: 'Ilze' }, from, text, ...(entities ? { entities } : {}) } } as Update;
}
function press(userId: number, messageId: number, data: string): Update {
  const from = user(userId);
  return {
    update_id: updateId++,
    callback_query: {
      id: String(updateId),
      from,
      chat_instance: String(userId),
      data,
      message: { message_id: messageId, date: date(), chat: { id: userId, type: 'private', first_name: 'Ilze' }, from: BOT_INFO, text: '…' },
    },
  } as Update;
}

/**
 * What one person does, in order: register (a flow with buttons), help, the programme catalogue and one programme,
 * the eligibility questionnaire with three answers pressed, visits and an agenda, /cancel, free text that finds a
 * programme, chatter, and a stale button from the start. 15 updates.
 */
type Step = { text: string } | { press: 'latest' | 'stale'; label?: RegExp };
export const SCRIPT: Step[] = [
  { text: '/start' },
  { press: 'latest' },
  { text: '/help' },
  { text: '/programmes' },
  { text: '/programme pumpurs' },
  { text: '/eligibility' },
  { press: 'latest' },
  { press: 'latest' },
  { press: 'latest', label: /Gatavs|Done|Готово/ },
  { text: '/visits' },
  { text: '/agenda 2021-05-27' },
  { text: '/cancel' },
  { text: 'pumpurs' },
  { text: 'labdien, kā iet?' },
  { press: 'stale' },
];

/** Builds the next update of a user's script from the keyboards our bot sent that user. */
export function nextUpdate(api: LocalApi, userId: number, step: Step): Update {
  if ('text' in step) return message(userId, step.text);
  const list = api.keyboards.get(userId) ?? [];
  const kb = step.press === 'latest' ? list.at(-1) : list[0];
  const buttons = kb?.rows.flat().filter((b) => b.callback_data) ?? [];
  const button = (step.label ? buttons.find((b) => step.label!.test(b.text)) : undefined) ?? buttons[0];
  if (!kb || !button) return message(userId, '1'); // no keyboard: type the number instead
  return press(userId, kb.messageId, button.callback_data!);
}

interface Sample {
  updates: number;
  seconds: number;
  latencies: number[];
}

/**
 * Runs `users` scripts with `concurrency` users in flight (each user's updates one after another, as a person
 * waits for the answer). For our bot the updates are built as it goes (buttons it actually sent) and recorded;
 * the other bots replay the recorded ones.
 */
async function drive(handle: (u: Update) => Promise<void>, scripts: Array<() => AsyncGenerator<Update>>, concurrency: number): Promise<Sample> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < scripts.length) {
      const script = scripts[next++]!;
      for await (const update of script()) {
        const s = performance.now();
        await handle(update);
        latencies.push(performance.now() - s);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { updates: latencies.length, seconds: (performance.now() - t0) / 1000, latencies };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

type Database = { kind: 'SQLite'; dir: string } | { kind: 'PostgreSQL'; url: string };

/** Our bot, the fair anchor and the bare floor on one database, interleaved round by round in this process. */
/**
 * Our bot as npm start runs it: compiled (see compiled.ts), not through tsx (`source`: through tsx, for profiling
 * the TypeScript), its Telegram adapter answered in-process by a LocalApi.
 */
export async function startOurBot(databaseUrl: string, source = false) {
  const { createApp, loadConfig, silentLogger, TelegramAdapter } = source
    ? await import('./bot-entry.ts')
    : await importCompiled<typeof import('./bot-entry.ts')>('bench/bot-entry.ts');
  const app = await createApp({ config: loadConfig({ DATABASE_URL: databaseUrl }), floodLimit: false });
  const api = new LocalApi();
  const adapter = new TelegramAdapter({
    token: '7000000001:bench',
    log: silentLogger,
    menus: { commandMenu: (role, lng) => app.core.commandMenu(role, lng), privilegedAccounts: (p) => app.people.privilegedAccounts(p) },
  });
  adapter.bot.api.config.use(api.transformer(true));
  await app.start([adapter]);
  return { app, api, adapter };
}

async function compare(database: Database, quick: boolean): Promise<BenchResult[]> {
  let schema: string | undefined;
  let databaseUrl: string;
  if (database.kind === 'SQLite') databaseUrl = `sqlite:${join(database.dir, 'bot.sqlite')}`;
  else {
    schema = `bench_${process.pid}_${Date.now().toString(36)}`;
    const u = new URL(database.url);
    u.searchParams.set('schema', schema);
    databaseUrl = u.toString();
  }
  const { app, api, adapter } = await startOurBot(databaseUrl);
  // Background work begun by start (a first sweep in a transaction) finishes before the anchor, sharing the
  // file and this thread, could wait on its lock synchronously.
  await new Promise((r) => setTimeout(r, 300));

  const anchor = await createAnchor({
    token: '7000000001:bench',
    botInfo: BOT_INFO,
    transformer: new LocalApi().transformer(false),
    database: database.kind === 'SQLite' ? { sqliteFile: join(database.dir, 'bot.sqlite') } : { postgresUrl: database.url },
  });

  const bare = new Bot('7000000001:bench', { botInfo: BOT_INFO });
  bare.api.config.use(new LocalApi().transformer(false));
  bare.on(['message', 'callback_query'], (ctx) => ctx.reply('ok'));

  const usersPerRound = quick ? 10 : 40;
  const rounds = quick ? 2 : 10;
  let nextUser = 10_000_000;
  const results: BenchResult[] = [];
  const load: number[] = [];

  try {
    for (const concurrency of [1, 8]) {
      const empty = (): Sample => ({ updates: 0, seconds: 0, latencies: [] });
      const ours = empty();
      const fair = empty();
      const base = empty();
      const add = (into: Sample, s: Sample) => {
        into.updates += s.updates;
        into.seconds += s.seconds;
        into.latencies.push(...s.latencies);
      };
      // Round 0 warms all three up and is not counted. Rounds interleave the bots and rotate their order, so load
      // from elsewhere on the machine falls on all alike: our bot builds each user's updates as it goes (it presses
      // the buttons it was actually sent) and records them; the anchor and the bare bot replay recorded updates.
      let previous: Update[][] = [];
      for (let round = 0; round <= rounds; round++) {
        load.push(loadavg()[0]!);
        const recorded: Update[][] = [];
        const ourScripts = Array.from({ length: usersPerRound }, (_, i) => {
          const userId = nextUser++;
          const log: Update[] = (recorded[i] = []);
          return async function* () {
            for (const step of SCRIPT) {
              const u = nextUpdate(api, userId, step);
              log.push(u);
              yield u;
            }
          };
        });
        const replay = (updates: Update[][]) =>
          updates.map((list) => async function* () {
            yield* list;
          });
        const runOurs = () => drive((u) => adapter.bot.handleUpdate(u), ourScripts, concurrency);
        // Replays of a round already run (the previous one, or this one once ours ran): the same users' updates.
        let o: Sample;
        let f: Sample;
        let b: Sample;
        switch (round % 3) {
          case 0:
            o = await runOurs();
            f = await drive((u) => anchor.bot.handleUpdate(u), replay(recorded), concurrency);
            b = await drive((u) => bare.handleUpdate(u), replay(recorded), concurrency);
            break;
          case 1:
            f = await drive((u) => anchor.bot.handleUpdate(u), replay(previous), concurrency);
            o = await runOurs();
            b = await drive((u) => bare.handleUpdate(u), replay(recorded), concurrency);
            break;
          default:
            b = await drive((u) => bare.handleUpdate(u), replay(previous), concurrency);
            f = await drive((u) => anchor.bot.handleUpdate(u), replay(previous), concurrency);
            o = await runOurs();
        }
        previous = recorded;
        if (round > 0) {
          add(ours, o);
          add(fair, f);
          add(base, b);
        }
      }
      const summary = (s: Sample) => {
        const sorted = [...s.latencies].sort((a, b) => a - b);
        return { perSecond: s.updates / s.seconds, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), n: s.updates };
      };
      const so = summary(ours);
      const sf = summary(fair);
      const sb = summary(base);
      const mode = concurrency === 1 ? 'one at a time (long polling)' : `${concurrency} users in flight (webhook)`;
      const loadAvg1m = load.reduce((a, b) => a + b, 0) / load.length;
      results.push({
        name: `${database.kind}, ${mode}: our bot's throughput ÷ fair anchor's`,
        value: so.perSecond / sf.perSecond,
        unit: '×',
        details: { ours: so.perSecond, anchor: sf.perSecond, unit: 'updates/s', updates: so.n, loadAvg1m },
        target: '≥ 0.5',
      });
      results.push({
        name: `${database.kind}, ${mode}: our bot's p99 ÷ fair anchor's`,
        value: so.p99 / sf.p99,
        unit: '×',
        details: { p99ms: so.p99, anchorP99ms: sf.p99, p50ms: so.p50, anchorP50ms: sf.p50, p50Ratio: so.p50 / sf.p50 },
        target: '≤ 2',
      });
      results.push({
        name: `${database.kind}, ${mode}: bare grammY bot replying "ok" (the floor)`,
        value: sb.perSecond,
        unit: 'updates/s',
        details: { p50ms: sb.p50, p99ms: sb.p99, oursToBare: so.perSecond / sb.perSecond },
      });
    }
  } finally {
    await app.stop();
    await anchor.close();
    if (schema && database.kind === 'PostgreSQL') {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
    }
  }
  return results;
}

/** SQLite always; PostgreSQL too when BENCH_DATABASE_URL names a server (a database the bench may write to). */
export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const results = await compare({ kind: 'SQLite', dir: tempDir('bench-telegram-') }, quick);
  const url = process.env.BENCH_DATABASE_URL;
  if (url?.startsWith('postgres')) results.push(...(await compare({ kind: 'PostgreSQL', url }, quick)));
  return results;
}

export default { title, run } satisfies BenchModule;
