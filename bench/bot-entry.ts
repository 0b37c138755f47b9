/** What the update bench needs of the bot, compiled on its own by bench/compiled.ts. */
export { TelegramAdapter } from '../adapters/telegram/telegram-adapter.ts';
export { createApp } from '../src/app.ts';
export { loadConfig } from '../src/config.ts';
export { silentLogger } from '../src/log.ts';
