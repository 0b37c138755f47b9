import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';

/**
 * Structured logs to stderr or a file, never to stdout (the console adapter's chat lives there). Message texts are
 * not logged at the default level: what people write to the bot is theirs.
 */
export function createLogger(options: { level: string; file?: string }): Logger {
  if (options.file) mkdirSync(dirname(options.file), { recursive: true });
  const destination = pino.destination({ dest: options.file ?? 2, sync: true, mkdir: true });
  return pino({ level: options.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

export const silentLogger: Logger = pino({ level: 'silent' });
