import {
  type BaseMessageOptions,
  type ChatInputCommandInteraction,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  HTTPError,
  type Interaction,
  type Message,
  MessageFlags,
  Partials,
  REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  Routes,
  type SendableChannels,
} from 'discord.js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type Adapter, type CommandMenus, DeliveryError, type DeliveryFailure, type IncomingHandler } from '../../src/core/adapter.ts';
import { releaseFiles } from '../../src/core/files.ts';
import { parseCommand } from '../../src/core/input.ts';
import type { Address, Capabilities, Form, Incoming, Payload, Reply, SentRef, TextReply } from '../../src/core/types.ts';
import { attachment, components, DISCORD_TEXT_LIMIT, markdownToMarkup, modal, needsPages, splitForDiscord } from './render.ts';

export interface DiscordAdapterOptions {
  token: string;
  applicationId?: string;
  guildId?: string;
  apiRoot?: string;
  log: Logger;
  menus: CommandMenus;
  /** How long to wait for the core before deferring an interaction (Discord allows 3 s for the first answer). */
  deferAfterMs?: number;
  /** How long reading a file a person sent may take. */
  downloadTimeoutMs?: number;
}

/** Discord's locales for the command menu: it has no Latvian, so Latvian is the default text. */
const LOCALES = { en: ['en-US', 'en-GB'], ru: ['ru'] } as const;

// Error codes that mean this address will never work: cannot DM the user, unknown channel or user, no access.
const UNREACHABLE = new Set([50007, 10003, 10013, 50001, 50013, 10004]);
// An interaction's token that is no longer usable: answer through a plain message instead.
const EXPIRED_INTERACTION = new Set([10062, 10015, 50027, 40060]);

const DUPLICATE_SUFFIX = /\|d\d+$/;

/**
 * Discord through discord.js: slash commands, buttons, select menus and modals in; replies as (ephemeral, in
 * servers) interaction responses, direct messages and channel messages out. Free text works in DMs.
 */
export class DiscordAdapter implements Adapter {
  readonly platform = 'discord' as const;
  readonly capabilities: Capabilities = {
    buttons: true,
    forms: true,
    edits: true,
    files: true,
    maxTextLength: DISCORD_TEXT_LIMIT,
    maxActionLength: 100,
    privateInGroups: true,
  };
  readonly client: Client;
  private handler: IncomingHandler | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Forms offered behind a button (a modal can only open as the first answer to an interaction). */
  private readonly pendingForms = new Map<string, { form: Form; at: number }>();
  /** Choices of messages with more than one page of select menus, by page token. */
  private readonly pages = new Map<string, { choices: NonNullable<TextReply['choices']>; at: number }>();

  constructor(private readonly options: DiscordAdapterOptions) {
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
      partials: [Partials.Channel],
      ...(options.apiRoot ? { rest: { api: options.apiRoot } } : {}),
    });
    this.client.on(Events.InteractionCreate, (i) => void this.track(this.onInteraction(i)));
    this.client.on(Events.MessageCreate, (m) => void this.track(this.onDirectMessage(m)));
    this.client.on(Events.Error, (err) => options.log.error({ err: redact(err) }, 'discord client error'));
    this.client.on(Events.ShardDisconnect, (_e, shard) => options.log.warn({ shard }, 'discord gateway disconnected; reconnecting'));
  }

  async start(handler: IncomingHandler): Promise<void> {
    this.handler = handler;
    await this.client.login(this.options.token);
    this.options.log.info({ user: this.client.user?.tag }, 'discord connected');
    void this.registerCommands();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
    await this.client.destroy();
  }

  private track(p: Promise<unknown>): Promise<unknown> {
    const guarded = p.catch((err) => this.options.log.error({ err: redact(err) }, 'discord event failed'));
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
    return guarded;
  }

  /** Slash commands with Latvian descriptions by default and English and Russian localizations. */
  async registerCommands(): Promise<void> {
    const appId = this.options.applicationId ?? this.client.application?.id;
    if (!appId) return;
    const menus = this.options.menus;
    // Discord scopes commands by server permissions, not by our roles: commands only coordinators and admins may use
    // are hidden from ordinary server members by default (default_member_permissions "0"; a server admin can
    // allow them to the coordinators' Discord role). In DMs everyone sees them. The router still checks each
    // person's role on every use.
    const lv = menus.commandMenu('admin', 'lv');
    const forMembers = new Set([...menus.commandMenu('expert', 'lv'), ...menus.commandMenu('mediator', 'lv')].map((c) => c.name));
    const en = new Map(menus.commandMenu('admin', 'en').map((c) => [c.name, c]));
    const ru = new Map(menus.commandMenu('admin', 'ru').map((c) => [c.name, c]));
    const body: RESTPostAPIChatInputApplicationCommandsJSONBody[] = lv.map((c) => {
      const loc = (lng: 'en' | 'ru', text: (x: typeof c) => string | undefined) => {
        const other = (lng === 'en' ? en : ru).get(c.name);
        const value = other ? text(other) : undefined;
        return Object.fromEntries(LOCALES[lng].map((l) => [l, clip(value ?? '', 100)]).filter(([, v]) => v));
      };
      return {
        name: c.name,
        description: clip(c.description, 100),
        description_localizations: { ...loc('en', (x) => x.description), ...loc('ru', (x) => x.description) },
        contexts: [0, 1],
        integration_types: [0],
        ...(forMembers.has(c.name) ? {} : { default_member_permissions: '0' }),
        ...(c.arg
          ? {
              options: [
                {
                  type: 3,
                  name: c.arg.name,
                  description: clip(c.arg.description, 100),
                  description_localizations: { ...loc('en', (x) => x.arg?.description), ...loc('ru', (x) => x.arg?.description) },
                  required: c.arg.required,
                },
              ],
            }
          : {}),
      };
    });
    const rest = new REST({ ...(this.options.apiRoot ? { api: this.options.apiRoot } : {}) }).setToken(this.options.token);
    let delay = 1000;
    while (!this.stopped) {
      try {
        const route = this.options.guildId ? Routes.applicationGuildCommands(appId, this.options.guildId) : Routes.applicationCommands(appId);
        await rest.put(route, { body });
        return;
      } catch (err) {
        this.options.log.warn({ err: redact(err), retryInMs: delay }, 'registering slash commands failed; retrying');
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 60_000);
      }
    }
  }

  private identity(user: { id: string; username: string; globalName: string | null }, locale?: string) {
    return {
      platform: 'discord' as const,
      id: user.id,
      username: user.username,
      displayName: user.globalName ?? user.username,
      ...(locale ? { languageHint: locale } : {}),
    };
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    if (!this.handler) return;
    if (interaction.isAutocomplete()) return;
    const inGuild = interaction.inGuild();
    const chat = inGuild
      ? { platform: 'discord' as const, chatId: interaction.channelId ?? interaction.guildId, kind: 'group' as const, group: true, ...(interaction.channel && 'name' in interaction.channel && interaction.channel.name ? { title: interaction.channel.name } : {}) }
      : { platform: 'discord' as const, chatId: interaction.user.id, kind: 'private' as const };

    let payload: Payload;
    if (interaction.isChatInputCommand()) {
      payload = { type: 'command', name: interaction.commandName, args: commandArgs(interaction) };
    } else if (interaction.isButton()) {
      const id = interaction.customId.replace(DUPLICATE_SUFFIX, '');
      const page = /^page:([a-z0-9]+):(\d+)$/.exec(id);
      const pages = page ? this.pages.get(page[1]!) : undefined;
      if (page && pages) {
        await interaction.update({ components: components(pages.choices, { token: page[1]!, page: Number(page[2]) }) });
        return;
      }
      const offered = id.startsWith('form:') ? this.pendingForms.get(`${interaction.user.id}:${id.slice(5)}`) : undefined;
      if (offered) {
        await interaction.showModal(modal(offered.form));
        return;
      }
      payload = { type: 'action', data: id };
    } else if (interaction.isStringSelectMenu()) {
      // Values are the choices' own data: the suffix that keeps repeated ones apart is Discord's business, not the core's.
      payload = { type: 'action', data: (interaction.values[0] ?? '').replace(DUPLICATE_SUFFIX, '') };
    } else if (interaction.isModalSubmit()) {
      const values: Record<string, string> = {};
      for (const [id, field] of interaction.fields.fields) if ('value' in field && typeof field.value === 'string') values[id] = field.value;
      payload = { type: 'form', formId: interaction.customId, values };
    } else {
      return;
    }

    const incoming: Incoming = { identity: this.identity(interaction.user, interaction.locale), chat, payload, capabilities: this.capabilities };
    const ephemeral = inGuild;
    const work = this.handler.handle(incoming);
    try {
      await this.answer(interaction, work, ephemeral, incoming);
    } finally {
      await releaseFiles(await work.catch(() => []));
    }
  }

  /** Answers at once when the core is quick, else defers and follows up; by direct message once the interaction expired. */
  private async answer(interaction: Interaction, work: Promise<Reply[]>, ephemeral: boolean, incoming: Incoming): Promise<void> {
    const quick = await Promise.race([work, sleep(this.options.deferAfterMs ?? 2000).then(() => undefined)]);
    if (!interaction.isRepliable()) return;
    const progress = { delivered: 0 };
    try {
      if (quick === undefined) {
        // The core needs longer than Discord waits for a first answer: say "thinking…" now, follow up when done.
        await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
        await this.respond(interaction, await work, ephemeral, true, progress);
      } else {
        await this.respond(interaction, quick, ephemeral, false, progress);
      }
    } catch (err) {
      const replies = quick ?? (await work.catch(() => [] as Reply[]));
      // Only what was not shown yet: a reply that reached the person is never sent again.
      const rest = replies.slice(progress.delivered).filter((r) => r.kind !== 'toast' && r.kind !== 'form');
      const dm: Address = { platform: 'discord', chatId: interaction.user.id };
      if (err instanceof DiscordAPIError && EXPIRED_INTERACTION.has(Number(err.code))) {
        // The interaction expired (3 s for the first answer, 15 min for follow-ups): the rest goes by DM instead.
        this.options.log.warn({ code: err.code, left: rest.length }, 'interaction expired; answering the rest by direct message');
        for (const r of rest) await this.send(dm, r).catch(() => undefined);
        return;
      }
      const failure = classifyDiscordError(err);
      this.options.log.warn({ failure: failure.kind, reason: failure.reason }, 'could not answer an interaction');
      // Answers in a server were the asker's alone: what is delivered later goes to their DM, not the channel.
      const privately: Incoming = ephemeral ? { ...incoming, chat: { ...dm, kind: 'private' } } : incoming;
      const notices = (await this.handler?.undelivered?.(privately, rest, failure).catch(() => [] as Reply[])) ?? [];
      for (const n of notices) {
        for (const message of this.messages(n, interaction.user.id)) await interaction.followUp({ ...message, flags: MessageFlags.Ephemeral }).catch(() => undefined);
      }
    }
  }

  /**
   * Answers an interaction: a form opens at once as a modal; a toggle replaces the message it was pressed on; a
   * toast is seen by the presser only; text, files and images as (ephemeral in servers) messages. `progress`
   * counts the replies fully shown, so a failure part way never makes the caller send those again.
   */
  private async respond(interaction: Interaction, replies: Reply[], ephemeral: boolean, deferred: boolean, progress: { delivered: number }): Promise<void> {
    if (!interaction.isRepliable()) return;
    let answered = deferred;
    const first = replies[0];
    if (!deferred && first?.kind === 'form' && !interaction.isModalSubmit()) {
      await interaction.showModal(modal(first.form));
      replies = replies.slice(1);
      progress.delivered++;
      answered = true;
      if (replies.length === 0) return;
    }
    if (replies.length === 0) {
      if (!answered && interaction.isMessageComponent()) await interaction.deferUpdate();
      else if (deferred) await interaction.deleteReply().catch(() => undefined);
      return;
    }
    let usedDeferred = false;
    for (const reply of replies) {
      const flags = ephemeral || reply.kind === 'toast' ? MessageFlags.Ephemeral : undefined;
      const messages = this.messages(reply, interaction.user.id);
      const inPlace = !answered && reply.kind === 'text' && reply.replace === true && messages.length === 1 && interaction.isMessageComponent();
      for (const message of messages) {
        if (inPlace && interaction.isMessageComponent()) {
          await interaction.update(message);
          answered = true;
        } else if (!answered) {
          await interaction.reply({ ...message, ...(flags ? { flags } : {}) });
          answered = true;
        } else if (deferred && !usedDeferred) {
          await interaction.editReply(message);
          usedDeferred = true;
        } else {
          await interaction.followUp({ ...message, ...(flags ? { flags } : {}) });
        }
      }
      progress.delivered++;
    }
  }

  /** One Reply as Discord messages (long texts split; buttons under the last piece). */
  private messages(reply: Reply, userId: string): BaseMessageOptions[] {
    switch (reply.kind) {
      case 'toast':
        return splitForDiscord(reply.text).map((content) => ({ content, allowedMentions: { parse: [] } }));
      case 'text': {
        const pieces = splitForDiscord(reply.text);
        return pieces.map((content, i) => ({
          content,
          allowedMentions: { parse: [] },
          ...(i === pieces.length - 1 ? { components: this.components(reply.choices) } : {}),
        }));
      }
      case 'file':
      case 'image': {
        const caption = reply.caption ? splitForDiscord(reply.caption) : [];
        return [{ ...(caption[0] ? { content: caption[0] } : {}), files: [attachment(reply.file)], allowedMentions: { parse: [] } }, ...caption.slice(1).map((content) => ({ content }))];
      }
      case 'form': {
        // Shown where it cannot open at once: a button that opens it.
        this.pendingForms.set(`${userId}:${reply.form.id}`, { form: reply.form, at: Date.now() });
        this.forgetOldForms();
        return splitForDiscord(reply.text).map((content, i, all) => ({
          content,
          ...(i === all.length - 1 ? { components: components([[{ label: reply.openLabel, action: `form:${reply.form.id}` }]]) } : {}),
        }));
      }
    }
  }

  private forgetOldForms(): void {
    const old = Date.now() - 15 * 60_000;
    for (const [k, v] of this.pendingForms) if (v.at < old) this.pendingForms.delete(k);
    for (const [k, v] of this.pages) if (v.at < old) this.pages.delete(k);
  }

  /** Choices as components; more than fit in one message are paged (the pages are kept here for a while). */
  private components(choices: TextReply['choices']): ReturnType<typeof components> {
    const unique = uniqueActions(choices);
    if (!unique || !needsPages(unique)) return components(unique);
    const token = randomBytes(4).toString('hex');
    this.pages.set(token, { choices: unique, at: Date.now() });
    this.forgetOldForms();
    return components(unique, { token, page: 0 });
  }

  /** Free text and files in a direct message (servers need the privileged message-content intent; we do not ask). */
  private async onDirectMessage(message: Message): Promise<void> {
    if (!this.handler || message.author.bot || message.inGuild()) return;
    let payload: Payload;
    const file = message.attachments.first();
    if (message.content) {
      const command = parseCommand(message.content);
      payload = command ? { type: 'command', ...command } : { type: 'text', text: message.content, formatted: markdownToMarkup(message.content) };
    } else if (file) {
      payload = {
        type: 'file',
        name: file.name,
        mime: file.contentType ?? 'application/octet-stream',
        size: file.size,
        // The whole download within the time limit: a stalled transfer must not hold the person's other messages.
        read: async () => new Uint8Array(await (await fetch(file.url, { signal: AbortSignal.timeout(this.options.downloadTimeoutMs ?? 30_000) })).arrayBuffer()),
      };
    } else {
      payload = { type: 'unsupported', what: message.stickers.size ? 'sticker' : 'other' };
    }
    const incoming: Incoming = {
      identity: this.identity(message.author),
      chat: { platform: 'discord', chatId: message.author.id, kind: 'private' },
      payload,
      capabilities: this.capabilities,
    };
    const replies = await this.handler.handle(incoming);
    const dm: Address = { platform: 'discord', chatId: message.author.id };
    for (let i = 0; i < replies.length; i++) {
      try {
        await this.send(dm, replies[i]!);
      } catch (err) {
        const failure = err instanceof DeliveryError ? err.failure : classifyDiscordError(err);
        this.options.log.warn({ failure: failure.kind, reason: failure.reason }, 'could not answer a direct message');
        const notices = (await this.handler.undelivered?.(incoming, replies.slice(i), failure).catch(() => [] as Reply[])) ?? [];
        for (const n of notices) await this.send(dm, n).catch(() => undefined);
        return;
      }
    }
    await releaseFiles(replies);
  }

  /** Sends to a person (a direct message, by user id) or to a registered channel. */
  async send(address: Address, reply: Reply): Promise<SentRef[]> {
    try {
      const channel = await this.channelFor(address);
      const refs: SentRef[] = [];
      for (const message of this.messages(reply, address.chatId)) {
        const sent = await channel.send(message);
        refs.push({ address, messageId: `${sent.channelId}:${sent.id}` });
      }
      return refs;
    } catch (err) {
      throw new DeliveryError(classifyDiscordError(err));
    }
  }

  async edit(ref: SentRef, reply: TextReply): Promise<void> {
    const [channelId, messageId] = ref.messageId.split(':');
    if (!channelId || !messageId) return;
    try {
      const channel = await this.client.channels.fetch(channelId);
      if (!channel?.isTextBased()) return;
      const content = splitForDiscord(reply.text)[0] ?? '';
      await channel.messages.edit(messageId, { content, components: this.components(reply.choices) });
    } catch (err) {
      throw new DeliveryError(classifyDiscordError(err));
    }
  }

  private async channelFor(address: Address): Promise<SendableChannels> {
    if (!address.group) {
      const user = await this.client.users.fetch(address.chatId);
      return user.createDM();
    }
    const channel = await this.client.channels.fetch(address.chatId);
    if (!channel || !channel.isSendable()) throw new DiscordUnreachable('channel is not a text channel the bot can post in');
    return channel;
  }
}

class DiscordUnreachable extends Error {}

/** Discord's answers as the delivery worker needs them (429s are waited out inside discord.js's REST queue). */
export function classifyDiscordError(err: unknown): DeliveryFailure {
  if (err instanceof DiscordUnreachable) return { kind: 'unreachable', reason: err.message };
  if (err instanceof DiscordAPIError) {
    const code = Number(err.code);
    if (UNREACHABLE.has(code)) return { kind: 'unreachable', reason: `${code}: ${err.message}` };
    if (err.status === 429 || err.status >= 500) return { kind: 'retry', reason: `${err.status}: ${err.message}` };
    return { kind: 'failed', reason: `${code || err.status}: ${err.message}` };
  }
  if (err instanceof HTTPError) return { kind: 'retry', reason: `${err.status}: ${err.message}` };
  return { kind: 'retry', reason: err instanceof Error ? err.message : String(err) };
}

/**
 * An error as logs may carry it: discord.js's API errors keep the request body (the message text) as a property,
 * which a structured logger would print.
 */
export function redact(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out: Record<string, unknown> = { type: err.name, message: err.message };
  if (err instanceof DiscordAPIError) Object.assign(out, { code: err.code, status: err.status, method: err.method, url: err.url.replace(/\/[A-Za-z0-9_-]{30,}/g, '/…') });
  return out;
}

function commandArgs(interaction: ChatInputCommandInteraction): string {
  return interaction.options.data
    .map((o) => (o.value === undefined ? '' : String(o.value)))
    .filter(Boolean)
    .join(' ');
}

/** Discord refuses two components with one custom id in a message; repeats get a suffix the adapter strips. */
function uniqueActions(choices: TextReply['choices']): TextReply['choices'] {
  if (!choices) return choices;
  const seen = new Map<string, number>();
  return choices.map((row) =>
    row.map((c) => {
      if (!('action' in c)) return c;
      const n = (seen.get(c.action) ?? 0) + 1;
      seen.set(c.action, n);
      return n === 1 ? c : { ...c, action: `${c.action}|d${n}` };
    }),
  );
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

