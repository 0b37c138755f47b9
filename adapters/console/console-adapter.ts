import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Adapter, IncomingHandler } from '../../src/core/adapter.ts';
import { spans, type Markup } from '../../src/core/markup.ts';
import { releaseFiles } from '../../src/core/files.ts';
import type { Address, Capabilities, FileData, IdentityRef, Incoming, Reply, SentRef } from '../../src/core/types.ts';

export interface ConsoleAdapterOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** The local operator, e.g. `console:admin`. */
  identity: IdentityRef;
  /** Where files the bot sends are saved. */
  filesDir: string;
  /** Bold and dim with ANSI codes (only when writing to a terminal). */
  color?: boolean;
  /** Show a `> ` prompt (only when reading from a terminal). */
  prompt?: boolean;
  /** Called once the input has ended and every line has been answered. */
  onEnd?: () => void;
}

const MIME_BY_EXTENSION: Record<string, string> = {
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.zip': 'application/zip',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
};

/**
 * `/file PATH` sends a file from this computer, as a Telegram document or a Discord attachment would arrive (a
 * relative path is read from the folder the bot was started in). Other lines are text.
 */
export function fileLine(line: string): Incoming['payload'] | undefined {
  const m = /^\/file\s+(.+)$/.exec(line.trim());
  if (!m) return undefined;
  const path = resolve(m[1]!.trim().replace(/^(["'])(.*)\1$/, '$2'));
  const name = basename(path);
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return { type: 'unreadable_file', name };
    size = st.size;
  } catch {
    return { type: 'unreadable_file', name };
  }
  const mime = MIME_BY_EXTENSION[extname(name).toLowerCase()] ?? 'application/octet-stream';
  return { type: 'file', name, mime, size, read: async () => new Uint8Array(readFileSync(path)) };
}

/**
 * A terminal chat: each input line is a message from the local operator; replies are printed as plain text,
 * choices as numbered lines (`[1] Latviešu`) that are picked by typing their key, files saved to a folder.
 */
export class ConsoleAdapter implements Adapter {
  readonly platform = 'console' as const;
  readonly capabilities: Capabilities = {
    buttons: false,
    forms: false,
    edits: false,
    files: true,
    maxTextLength: 100_000,
    maxActionLength: 4096,
  };
  private rl: Interface | undefined;
  private queue: Promise<void> = Promise.resolve();
  private sent = 0;
  private closed = false;

  constructor(private readonly options: ConsoleAdapterOptions) {}

  get address(): Address {
    return { platform: 'console', chatId: this.options.identity.id };
  }

  async start(handler: IncomingHandler): Promise<void> {
    const rl = createInterface({ input: this.options.input, terminal: false, crlfDelay: Infinity });
    this.rl = rl;
    rl.on('line', (line) => {
      this.queue = this.queue.then(() => this.handleLine(handler, line));
    });
    rl.on('close', () => {
      this.closed = true;
      void this.queue.then(() => this.options.onEnd?.());
    });
    this.showPrompt();
  }

  private async handleLine(handler: IncomingHandler, line: string): Promise<void> {
    const incoming: Incoming = {
      identity: this.options.identity,
      chat: { ...this.address, kind: 'private' },
      payload: fileLine(line) ?? { type: 'text', text: line },
      capabilities: this.capabilities,
    };
    try {
      const replies = await handler.handle(incoming);
      try {
        for (const r of replies) this.render(r);
      } finally {
        await releaseFiles(replies);
      }
    } catch (err) {
      // The core answers its own errors; reaching here means it could not even do that (database gone).
      this.write(`! ${(err as Error).message}\n`);
    }
    if (!this.closed) this.showPrompt();
  }

  async stop(): Promise<void> {
    this.rl?.close();
    await this.queue;
  }

  /**
   * A message the bot sends first. One terminal stands for every local person (`--as coordinator` and the rest
   * share the database), so a message for someone else is printed under the name of its recipient rather than
   * as if the operator had been told.
   */
  async send(address: Address, reply: Reply): Promise<SentRef[]> {
    if (address.chatId !== this.options.identity.id) this.write(`${this.options.color ? '\x1b[2m' : ''}→ console:${address.chatId}${this.options.color ? '\x1b[0m' : ''}\n`);
    this.render(reply);
    return [{ address, messageId: String(++this.sent) }];
  }

  private render(reply: Reply): void {
    switch (reply.kind) {
      case 'text': {
        const lines = [this.format(reply.text)];
        for (const row of reply.choices ?? []) {
          for (const c of row) lines.push('action' in c ? `  [${c.key ?? '?'}] ${c.label}` : `  → ${c.label}: ${c.url}`);
        }
        this.write(`${lines.join('\n')}\n\n`);
        return;
      }
      case 'file':
      case 'image': {
        const path = this.save(reply.file);
        const caption = reply.caption ? `${this.format(reply.caption)}\n` : '';
        this.write(`${caption}📎 ${path}\n\n`);
        return;
      }
      case 'form':
      case 'toast':
        this.write(`${this.format(reply.text)}\n\n`);
        return;
    }
  }

  /** Saves a file under a name not used yet, so nothing earlier is overwritten. */
  private save(file: FileData): string {
    mkdirSync(this.options.filesDir, { recursive: true });
    const safe = basename(file.name).replace(/[^\p{L}\p{N}._-]+/gu, '_') || 'file';
    const ext = extname(safe);
    const stem = safe.slice(0, safe.length - ext.length);
    let path = join(this.options.filesDir, safe);
    for (let i = 2; existsSync(path); i++) path = join(this.options.filesDir, `${stem}-${i}${ext}`);
    if ('data' in file) writeFileSync(path, file.data);
    else copyFileSync(file.path, path);
    return resolve(path);
  }

  private format(m: Markup): string {
    const color = this.options.color === true;
    let out = '';
    let href: string | undefined;
    let linkText = '';
    for (const s of spans(m)) {
      if (s.kind === 'text') {
        if (href !== undefined) linkText += s.text;
        else out += s.text;
      } else if (s.tag === 'a') {
        if (s.kind === 'open') {
          href = s.href ?? '';
          linkText = '';
        } else {
          out += href && href !== linkText ? `${linkText} <${href}>` : linkText;
          href = undefined;
        }
      } else if (color && (s.tag === 'b' || s.tag === 'code' || s.tag === 'pre')) {
        out += s.kind === 'open' ? '\u001b[1m' : '\u001b[22m';
      } else if (color && s.tag === 'i') {
        out += s.kind === 'open' ? '\u001b[3m' : '\u001b[23m';
      }
    }
    return out;
  }

  private showPrompt(): void {
    if (this.options.prompt) this.write('> ');
  }

  private write(s: string): void {
    this.options.output.write(s);
  }
}
