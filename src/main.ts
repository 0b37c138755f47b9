import { existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { ConsoleAdapter } from '../adapters/console/console-adapter.ts';
import { type App, createApp } from './app.ts';
import { ConfigError, loadConfig, privacyProblems } from './config.ts';
import type { Adapter, CommandMenus } from './core/adapter.ts';
import { isRole, ROLES, type Role } from './core/access.ts';
import { createLogger } from './log.ts';

interface Cli {
  console: boolean;
  as: Role;
  /** Start over: the SQLite database is moved aside (kept, never deleted) and a new one begins. */
  fresh: boolean;
}

function parseCli(argv: string[]): Cli {
  const { values } = parseArgs({
    args: argv,
    options: { console: { type: 'boolean', default: false }, as: { type: 'string', default: 'admin' }, fresh: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: false,
  });
  if (!isRole(values.as)) throw new ConfigError([`--as: expected one of ${ROLES.join(', ')}`]);
  return { console: values.console === true, as: values.as, fresh: values.fresh === true };
}

async function main(): Promise<void> {
  let cli: Cli;
  let config;
  try {
    cli = parseCli(process.argv.slice(2));
    config = loadConfig(process.env);
    if (!cli.console) {
      const problems = privacyProblems(config);
      if (problems.length) throw new ConfigError(problems);
    }
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  if (cli.fresh) startOver(config.database);

  const consoleMode = cli.console || (!config.telegram && !config.discord);
  // In the terminal chat, stdout belongs to the conversation: logs go to stderr (or LOG_FILE), and only warnings
  // unless asked, so the chat is not interleaved with start-up chatter.
  const log = createLogger({ level: config.log.level ?? (consoleMode ? 'warn' : 'info'), ...(config.log.file ? { file: config.log.file } : {}) });
  const consoleIdentity = { platform: 'console' as const, id: cli.as, displayName: `console ${cli.as}`, ...(process.env.LANG ? { languageHint: process.env.LANG } : {}) };

  let app: App;
  try {
    app = await createApp({ config, log, ...(consoleMode ? { extraAdmins: cli.as === 'admin' ? ['console:admin'] : [] } : {}) });
  } catch (err) {
    log.fatal({ err }, 'could not start');
    process.stderr.write(`could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }

  const shutdown = async (code: number) => {
    await app.stop();
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

  const adapters: Adapter[] = [];
  if (consoleMode) {
    const local = await app.people.ensureLocalPerson(consoleIdentity, cli.as, app.clock.now());
    // A person at a terminal is told how to begin and how to leave; piped input gets only the answers.
    if (process.stdin.isTTY) {
      const tr = app.i18n.translator(await app.people.languageOf(local.id));
      process.stdout.write(`${tr.plain('common:console.hint', { role: tr.plain(`common:roles.${cli.as}`) })}\n`);
    }
    adapters.push(
      new ConsoleAdapter({
        input: process.stdin,
        output: process.stdout,
        identity: consoleIdentity,
        filesDir: config.consoleFilesDir,
        color: process.stdout.isTTY === true,
        prompt: process.stdin.isTTY === true,
        onEnd: () => void shutdown(0),
      }),
    );
  } else {
    adapters.push(...(await platformAdapters(app, log)));
  }
  await app.start(adapters);
  log.info({ adapters: adapters.map((a) => a.platform), database: app.database.location }, 'bot started');
}

async function platformAdapters(app: App, log: Logger): Promise<Adapter[]> {
  const menus: CommandMenus = {
    commandMenu: (role, lng) => app.core.commandMenu(role, lng),
    privilegedAccounts: (platform) => app.people.privilegedAccounts(platform),
  };
  const list: Adapter[] = [];
  if (app.config.telegram) {
    const { TelegramAdapter } = await import('../adapters/telegram/telegram-adapter.ts');
    list.push(new TelegramAdapter({ ...app.config.telegram, log: log.child({ adapter: 'telegram' }), menus }));
  }
  if (app.config.discord) {
    const { DiscordAdapter } = await import('../adapters/discord/discord-adapter.ts');
    list.push(new DiscordAdapter({ ...app.config.discord, log: log.child({ adapter: 'discord' }), menus }));
  }
  return list;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

/**
 * `npm start -- --fresh`: the SQLite database is moved aside as `bot.sqlite.before-fresh-STAMP` (nothing is deleted)
 * so the bot starts with an empty one. PostgreSQL is not touched: drop its schema by hand if that is really meant.
 */
function startOver(database: ReturnType<typeof loadConfig>['database']): void {
  if (database.kind !== 'sqlite') {
    process.stderr.write('--fresh is for the SQLite file; with PostgreSQL, drop the schema (or database) yourself.\n');
    process.exit(2);
  }
  const file = resolve(database.file);
  if (!existsSync(file)) return;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const aside = `${file}.before-fresh-${stamp}`;
  // The write-ahead log goes with it: after a crash it may hold changes not yet in the main file.
  renameSync(file, aside);
  if (existsSync(`${file}-wal`)) renameSync(`${file}-wal`, `${aside}-wal`);
  rmSync(`${file}-shm`, { force: true });
  process.stderr.write(`started over: the previous database is kept as ${aside}\n`);
}
