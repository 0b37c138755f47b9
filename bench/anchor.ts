import SQLite from 'better-sqlite3';
import { Bot, InlineKeyboard, session, type Context, type SessionFlavor, type StorageAdapter, type Transformer } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import i18next from 'i18next';
import pg from 'pg';
import { readLocales } from '../src/i18n/index.ts';

/**
 * The fair anchor of issue 17: a grammY bot doing the real work a small stateful bot does per update, written the
 * way grammY's documentation shows, with nothing of ours in it. Per update it
 * - reads and writes a session (grammY's `session()` middleware) in the same database the bot under test uses:
 *   the same SQLite file (WAL, prepared statements), or the same PostgreSQL server (named prepared statements);
 * - translates one message with interpolation and four button labels with a plain i18next instance holding the
 *   bot's own locale files;
 * - replies with a 2×2 inline keyboard, and answers the callback query when a button was pressed.
 */
interface Session {
  updates: number;
  lastText: string;
  pressed: string[];
}
type AnchorContext = Context & SessionFlavor<Session>;

export interface Anchor {
  bot: Bot<AnchorContext>;
  close(): Promise<void>;
}

function sqliteStorage(file: string): { storage: StorageAdapter<Session>; close: () => Promise<void> } {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  db.exec('create table if not exists anchor_sessions (key text primary key, value text not null)');
  const read = db.prepare<[string], { value: string }>('select value from anchor_sessions where key = ?');
  const write = db.prepare<[string, string]>('insert into anchor_sessions (key, value) values (?, ?) on conflict (key) do update set value = excluded.value');
  const del = db.prepare<[string]>('delete from anchor_sessions where key = ?');
  return {
    storage: {
      read: (key) => {
        const row = read.get(key);
        return row ? (JSON.parse(row.value) as Session) : undefined;
      },
      write: (key, value) => void write.run(key, JSON.stringify(value)),
      delete: (key) => void del.run(key),
    },
    close: async () => void db.close(),
  };
}

async function postgresStorage(url: string): Promise<{ storage: StorageAdapter<Session>; close: () => Promise<void> }> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query('create table if not exists anchor_sessions (key text primary key, value text not null)');
  return {
    storage: {
      read: async (key) => {
        const r = await pool.query<{ value: string }>({ name: 'anchor_read', text: 'select value from anchor_sessions where key = $1', values: [key] });
        return r.rows[0] ? (JSON.parse(r.rows[0].value) as Session) : undefined;
      },
      write: async (key, value) => {
        await pool.query({
          name: 'anchor_write',
          text: 'insert into anchor_sessions (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value',
          values: [key, JSON.stringify(value)],
        });
      },
      delete: async (key) => {
        await pool.query({ name: 'anchor_delete', text: 'delete from anchor_sessions where key = $1', values: [key] });
      },
    },
    close: async () => {
      await pool.query('drop table if exists anchor_sessions').catch(() => undefined);
      await pool.end();
    },
  };
}

export async function createAnchor(options: { token: string; botInfo: UserFromGetMe; transformer: Transformer; database: { sqliteFile: string } | { postgresUrl: string } }): Promise<Anchor> {
  const store = 'sqliteFile' in options.database ? sqliteStorage(options.database.sqliteFile) : await postgresStorage(options.database.postgresUrl);
  const i18n = i18next.createInstance();
  await i18n.init({ resources: readLocales(), lng: 'lv', fallbackLng: 'lv', ns: ['common'], defaultNS: 'common', initAsync: false });

  const bot = new Bot<AnchorContext>(options.token, { botInfo: options.botInfo });
  bot.api.config.use(options.transformer);
  bot.use(session({ initial: (): Session => ({ updates: 0, lastText: '', pressed: [] }), storage: store.storage }));
  bot.on(['message', 'callback_query'], async (ctx) => {
    const s = ctx.session;
    s.updates++;
    if (ctx.callbackQuery?.data) {
      s.pressed = [...s.pressed.slice(-4), ctx.callbackQuery.data];
      await ctx.answerCallbackQuery();
    }
    s.lastText = ctx.message?.text ?? '';
    const t = i18n.getFixedT(ctx.from?.language_code === 'en' ? 'en' : 'lv');
    const body = t('errors.unknown_command', { command: s.lastText.slice(1, 20) || 'start' });
    const keyboard = new InlineKeyboard()
      .text(t('buttons.back'), 'a:back')
      .text(t('buttons.menu'), 'a:menu')
      .row()
      .text(t('buttons.confirm'), 'a:confirm')
      .text(t('buttons.cancel'), 'a:cancel');
    await ctx.reply(body, { reply_markup: keyboard });
  });
  return { bot, close: store.close };
}
