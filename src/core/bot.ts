import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { distance } from 'fastest-levenshtein';
import type { DB } from '../db/schema.ts';
import type { I18nService, Translator } from '../i18n/index.ts';
import { checkAll, type Who } from './access.ts';
import type { DeliveryFailure, IncomingHandler } from './adapter.ts';
import { deleteEmptyChats } from './chat-state.ts';
import { ActionRefStore, assignKeys, type ChoicesToRemember, matchTyped, parseChoices, type PendingChoice, PendingChoiceStore, toRemember } from './choices.ts';
import type { Clock } from './clock.ts';
import type { Ctx, Person } from './context.ts';
import { bindFlowActions, ConversationStore, type ConversationWrite, DEFAULT_FLOW_TTL_MS, type FlowDef, type FlowInput, type KnownIdentity, newNonce, parseFlowAction, type Step, type StoredConversation } from './flows.ts';
import { cleanText, MAX_FILE_BYTES, MAX_INPUT_LENGTH, parseCommand } from './input.ts';
import { type Markup } from './markup.ts';
import { commandAction, type CommandDef, type Registry } from './router.ts';
import { type Address, addressKey, type Choice, identityKey, type Incoming, type IdentityRef, type Platform, type Reply, text, type UiLanguage } from './types.ts';

/** Finds or creates the person behind a platform identity. The people feature implements it. */
export interface PersonDirectory {
  /**
   * `known`: the person's and the account's rows as the core already read them this update (null: no such account
   * yet), so the directory need not read them again; left out, the directory reads them itself.
   */
  resolve(identity: IdentityRef, now: Date, known?: KnownIdentity | null): Promise<Person>;
}

/**
 * Decides whether an account may send another message now (flood limit): handle it, tell them once to slow down,
 * or drop it without a word.
 */
export interface RateLimiter {
  check(accountKey: string, now: Date): 'allow' | 'warn' | 'drop';
}

export interface BotCoreDeps {
  db: Kysely<DB>;
  registry: Registry;
  i18n: I18nService;
  people: PersonDirectory;
  clock: Clock;
  log: Logger;
  rateLimiter?: RateLimiter;
  /** Longest button data per platform, for messages sent first (from the adapters' capabilities). */
  messengerLimits?: (platform: Platform) => number | undefined;
  /** Told once each incoming update is handled (metrics): `error` when its handler failed; seconds include queueing. */
  onHandled?(incoming: Incoming, outcome: 'ok' | 'error', seconds: number): void;
  /** Told how many messages an answer holds, so the send budget counts answers too (they are not delayed). */
  onReplies?(platform: Platform, count: number): void;
  /** Queues replies a platform refused for the moment, to be delivered in the background (the notice outbox). */
  deliverLater?(address: Address, replies: Reply[], delayMs?: number): Promise<boolean>;
  /** A link opening the private chat with the bot and sending `/start PAYLOAD` (Telegram), where there is one. */
  startLink?(platform: Platform, payload: string): string | undefined;
  /** Sends replies to a person's private chat at once (a Discord DM); false when it cannot be reached. */
  sendPrivately?(address: Address, replies: Reply[]): Promise<boolean>;
  /** A chat moved to a new id: update what refers to the old one (registered audiences). */
  onChatMoved?(platform: Platform, from: string, to: string): Promise<void>;
}

/** `/start go-COMMAND` (a deep link from a group) runs COMMAND in the private chat. */
export const DEEP_LINK_PREFIX = 'go-';

/** A handler's answer plus whether it should leave earlier typed choices in place (notices about bad input). */
interface Handled {
  replies: Reply[];
  keepPending?: boolean;
}

/**
 * The platform-neutral bot: one Incoming in, Replies out. It cleans input, finds the person, runs the command,
 * button or flow step with its access rules, and keeps conversation state in the database.
 */
export class BotCore implements IncomingHandler {
  private readonly conversations: ConversationStore;
  private readonly pending: PendingChoiceStore;
  private readonly refs: ActionRefStore;
  /** Messages of one person are handled one at a time, in order, so flows never race themselves. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: BotCoreDeps) {
    this.conversations = new ConversationStore(deps.db);
    this.pending = new PendingChoiceStore(deps.db);
    this.refs = new ActionRefStore(deps.db);
  }

  get registry(): Registry {
    return this.deps.registry;
  }

  handle(incoming: Incoming): Promise<Reply[]> {
    const key = `${incoming.identity.platform}:${incoming.identity.id}`;
    // The flood limit is checked before any database work or queueing, so a flood cannot slow anyone else down.
    // The console is the local operator's own terminal (and scripted sessions pipe many lines at once).
    const flood = this.deps.rateLimiter && incoming.identity.platform !== 'console' ? this.deps.rateLimiter.check(key, this.deps.clock.now()) : 'allow';
    if (flood === 'drop') return Promise.resolve([]);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const started = performance.now();
    const state = { failed: false, slowDown: flood === 'warn' };
    const run = previous.then(() => this.handleNow(incoming, state));
    const onReplies = this.deps.onReplies;
    if (onReplies) {
      void run.then(
        (replies) => {
          const sent = replies.filter((r) => r.kind !== 'toast').length;
          if (sent) onReplies(incoming.identity.platform, sent);
        },
        () => undefined,
      );
    }
    const onHandled = this.deps.onHandled;
    if (onHandled) {
      const report = (outcome: 'ok' | 'error') => {
        try {
          onHandled(incoming, outcome, (performance.now() - started) / 1000);
        } catch {
          // counting must never disturb handling
        }
      };
      void run.then(() => report(state.failed ? 'error' : 'ok'), () => report('error'));
    }
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  async chatMoved(platform: Platform, from: string, to: string): Promise<void> {
    if (from === to) return;
    await this.deps.onChatMoved?.(platform, from, to);
  }

  /**
   * Replies an adapter could not show. A temporary failure (rate limit, network, server) or a chat that moved is
   * queued and delivered in the background; a permanent one (the platform refused this message) gets a short
   * notice, so the person is not left wondering; an unreachable chat gets nothing.
   */
  async undelivered(incoming: Incoming, replies: Reply[], failure: DeliveryFailure): Promise<Reply[]> {
    const shown = replies.filter((r) => r.kind !== 'toast' && r.kind !== 'form');
    const address: Address = { platform: incoming.chat.platform, chatId: incoming.chat.chatId, ...(incoming.chat.kind === 'group' ? { group: true } : {}) };
    if ((failure.kind === 'retry' || failure.kind === 'moved') && this.deps.deliverLater && shown.length) {
      const to = failure.kind === 'moved' ? { ...address, chatId: failure.chatId } : address;
      // Not before the platform's own retry_after: sending sooner would only draw another 429.
      const delay = failure.kind === 'retry' ? failure.retryAfterMs : undefined;
      await this.deps.deliverLater(to, shown.map((r) => (r.kind === 'text' && r.replace ? { ...r, replace: false } : r)), delay);
      return [];
    }
    if (failure.kind !== 'failed') return [];
    const person = await this.deps.people.resolve(incoming.identity, this.deps.clock.now());
    return [text(this.deps.i18n.translator(person.language).t('common:errors.reply_failed'))];
  }

  /**
   * Deletes conversations left untouched past their time to live, and remembered choices older than a day (their
   * labels can echo answers, such as "☑ Meals").
   */
  async sweep(): Promise<number> {
    const now = this.deps.clock.now();
    await this.pending.sweep(new Date(now.getTime() - DEFAULT_FLOW_TTL_MS));
    await this.refs.sweep(new Date(now.getTime() - 30 * DEFAULT_FLOW_TTL_MS));
    const ended = await this.conversations.sweep(now);
    await deleteEmptyChats(this.deps.db);
    return ended;
  }

  private async handleNow(incoming: Incoming, state: { failed: boolean; slowDown: boolean }): Promise<Reply[]> {
    const now = this.deps.clock.now();
    const chatKey = addressKey(incoming.chat);
    // Who is writing, and what this chat holds for them: one statement.
    const stored = await this.conversations.read(identityKey(incoming.identity.platform, incoming.identity.id), chatKey, now);
    const person = await this.deps.people.resolve(incoming.identity, now, stored.known);
    let tr = this.deps.i18n.translator(person.language);
    // For access rules a group counts as private where the platform shows answers to the asker only.
    const privateReplies = incoming.chat.kind === 'private' || incoming.capabilities.privateInGroups === true;
    const who: Who = { role: person.role, registered: person.registered, chatKind: privateReplies ? 'private' : 'group' };

    if (state.slowDown) return [text(tr.t('common:errors.slow_down'))];

    let conversation = stored.conversation;
    // Parsed only when asked for (a typed key, a long button's reference): most updates never need them.
    let parsed: PendingChoice[] | undefined;
    const rememberedChoices = () => (parsed ??= parseChoices(stored.choices));
    const remembered = this.pending.watch(person.id, chatKey, stored.choices);
    let typingStep = conversation?.typing ?? false;
    // Written once the answer is known, with the chat's buttons: in one statement on PostgreSQL.
    let conversationWrite: ConversationWrite | undefined;

    // `tr` is a field set again by `useLanguage`, not a getter. V8 makes an object literal with a getter in
    // dictionary mode and allocates its getter pair in the old generation; young-generation collections take every
    // old-to-young pointer as a root, so the getter's closure, and through its scope everything the update made,
    // outlived two of them and was copied to the old generation (issue 17: 1.9 MB per collection, 7–9 ms pauses).
    const ctx: { -readonly [K in keyof Ctx]: Ctx[K] } = {
      incoming,
      person,
      now,
      caps: incoming.capabilities,
      who,
      tr,
      useLanguage: (lng: UiLanguage) => {
        tr = this.deps.i18n.translator(lng);
        ctx.tr = tr;
        person.language = lng;
      },
      startFlow: async (name, args = '') => {
        const flow = this.deps.registry.flows.get(name);
        if (!flow) throw new Error(`no flow ${name}`);
        const denied = checkAll(flow.access ?? [], who);
        if (denied !== true) return [text(tr.t(`common:${denied.denied}`))];
        const readsText = typeof flow.readsText === 'function' ? flow.readsText(incoming.capabilities) : flow.readsText === true;
        if (readsText && incoming.chat.kind === 'group') return this.continuePrivately(incoming, state, tr);
        const step = conversation?.flow === name && flow.resume ? await flow.resume(ctx, conversation.state, args) : await flow.start(ctx, args);
        return applyStep(flow, step);
      },
      endFlow: async () => {
        if (conversation) conversationWrite = 'end';
        conversation = undefined;
      },
      runCommand: (name, args = '') => runCommand(name, args).then((h) => h.replies),
      menu: () => this.menu(who, tr),
    };

    const applyStep = async (flow: FlowDef, step: Step<unknown>): Promise<Reply[]> => {
      if ('done' in step) {
        if (conversation) conversationWrite = 'end';
        conversation = undefined;
        typingStep = false;
        return step.replies;
      }
      const nonce = newNonce();
      typingStep = step.typing === true;
      conversationWrite = { flow: flow.name, state: step.state, typing: typingStep, nonce, ttlMs: flow.ttlMs ?? DEFAULT_FLOW_TTL_MS };
      conversation = { flow: flow.name, state: step.state, typing: typingStep, nonce };
      return bindFlowActions(step.replies, nonce);
    };

    const runCommand = async (name: string, args: string): Promise<Handled> => {
      const deepLink = name === 'start' && incoming.chat.kind === 'private' ? new RegExp(`^${DEEP_LINK_PREFIX}([a-z][a-z0-9_]{0,31})$`).exec(args) : null;
      if (deepLink && this.deps.registry.commands.has(deepLink[1]!)) return runCommand(deepLink[1]!, '');
      const cmd = this.deps.registry.commands.get(name);
      if (!cmd) return { replies: this.unknownCommand(name, who, tr), keepPending: true };
      const denied = checkAll(cmd.access, who);
      if (denied !== true && denied.denied === 'access.private_only' && incoming.chat.kind === 'group') {
        return { replies: await this.continuePrivately(incoming, state, tr), keepPending: true };
      }
      if (denied !== true) return { replies: [text(tr.t(`common:${denied.denied}`))], keepPending: true };
      return { replies: await cmd.handle(ctx, args) };
    };

    const flowInput = async (conv: StoredConversation, input: FlowInput): Promise<Handled> => {
      const flow = this.deps.registry.flows.get(conv.flow);
      if (!flow) {
        await ctx.endFlow();
        return { replies: this.expired(who, tr) };
      }
      const denied = checkAll(flow.access ?? [], who);
      if (denied !== true) {
        await ctx.endFlow();
        return { replies: [text(tr.t(`common:${denied.denied}`))] };
      }
      return { replies: await applyStep(flow, await flow.input(ctx, conv.state, input)) };
    };

    // A press in a group that does nothing (someone else's button, an old one, one the presser may not use) is
    // answered on the button itself, seen by the presser only, and leaves the chat and the owner's buttons alone.
    const pressedInGroup = incoming.payload.type === 'action' && incoming.chat.kind === 'group';
    const expired = (): Handled =>
      pressedInGroup ? { replies: [{ kind: 'toast', text: tr.t('common:errors.button_not_for_you') }], keepPending: true } : { replies: this.expired(who, tr) };
    const runAction = async (data: string): Promise<Handled> => {
      const bound = parseFlowAction(data);
      if (bound) {
        if (!conversation || conversation.nonce !== bound.nonce) return expired();
        return flowInput(conversation, { type: 'choice', value: bound.value });
      }
      if (data.startsWith('@')) {
        const action = await this.refs.get(data);
        if (!action) return expired();
        return runAction(action);
      }
      if (data.startsWith('cmd:run:')) {
        const [name = '', ...rest] = data.slice('cmd:run:'.length).split(':');
        if (!this.deps.registry.commands.has(name)) return expired();
        return runCommand(name, rest.join(':'));
      }
      const found = this.deps.registry.findAction(data);
      if (!found) return expired();
      const denied = checkAll(found.def.access, who);
      if (denied !== true && pressedInGroup) return { replies: [{ kind: 'toast', text: tr.t(`common:${denied.denied}`) }], keepPending: true };
      if (denied !== true) return { replies: [text(tr.t(`common:${denied.denied}`))], keepPending: true };
      return { replies: await found.def.handle(ctx, found.args) };
    };

    const dispatch = async (): Promise<Handled> => {
      const p = incoming.payload;
      switch (p.type) {
        case 'command': {
          const args = p.args.trim() ? cleanText(p.args) : ({ ok: true, text: '' } as const);
          if (!args.ok && args.reason === 'too_long') {
            return { replies: [text(tr.t("common:errors.too_long", { count: args.length, max: MAX_INPUT_LENGTH }))], keepPending: true };
          }
          return runCommand(p.name.toLowerCase(), args.ok ? args.text : '');
        }
        case 'action':
          return runAction(p.data);
        case 'form':
          if (!conversation) return { replies: this.expired(who, tr) };
          return flowInput(conversation, { type: 'form', formId: p.formId, values: cleanValues(p.values) });
        case 'file': {
          const meta = { name: p.name.slice(0, 200), mime: p.mime, size: p.size };
          const handler = conversation ? undefined : this.deps.registry.fileHandlers.find((h) => h.accepts(ctx, meta));
          if (!conversation && !handler) return { replies: [text(tr.t('common:errors.file_not_expected'))], keepPending: true };
          if (p.size > MAX_FILE_BYTES) {
            return { replies: [text(tr.t('common:errors.file_too_large', { max: MAX_FILE_BYTES / 1024 / 1024 }))], keepPending: true };
          }
          const data = await p.read();
          if (data.byteLength > MAX_FILE_BYTES) {
            return { replies: [text(tr.t('common:errors.file_too_large', { max: MAX_FILE_BYTES / 1024 / 1024 }))], keepPending: true };
          }
          if (handler) return { replies: await handler.handle(ctx, { name: meta.name, mime: p.mime, data }) };
          return flowInput(conversation!, { type: 'file', name: meta.name, mime: p.mime, data });
        }
        case 'unreadable_file':
          return { replies: [text(tr.t('common:errors.file_unreadable', { name: p.name.slice(0, 200) }))], keepPending: true };
        case 'unsupported':
          return { replies: [text(tr.t('common:errors.unsupported'))], keepPending: true };
        case 'text': {
          const cleaned = cleanText(p.text);
          if (!cleaned.ok) {
            const msg =
              cleaned.reason === 'empty'
                ? tr.t('common:errors.empty')
                : tr.t("common:errors.too_long", { count: cleaned.length, max: MAX_INPUT_LENGTH });
            return { replies: [text(msg)], keepPending: true };
          }
          const command = parseCommand(cleaned.text);
          if (command) return runCommand(command.name, command.args);
          const pendingChoices = rememberedChoices();
          const typed = matchTyped(pendingChoices, cleaned.text);
          if (typed) return runAction(typed.action);
          if (conversation) return flowInput(conversation, { type: 'text', text: cleaned.text, ...(p.formatted ? { formatted: p.formatted } : {}) });
          if (/^\d{1,3}$/.test(cleaned.text)) {
            if (pendingChoices.length > 0) {
              const keys = pendingChoices.map((c) => c.key);
              return { replies: [text(tr.t('common:errors.no_such_choice', { typed: cleaned.text, first: keys[0], last: keys[keys.length - 1] }))], keepPending: true };
            }
            return { replies: [text(tr.t('common:errors.no_choices'), this.menu(who, tr))] };
          }
          for (const h of this.deps.registry.textHandlers) {
            const r = await h.handle(ctx, cleaned.text);
            if (r) return { replies: r };
          }
          return { replies: [text(tr.t('common:free_text'), this.menu(who, tr))] };
        }
      }
    };

    let handled: Handled;
    try {
      handled = await dispatch();
    } catch (err) {
      state.failed = true;
      this.deps.log.error({ err, person: person.id, payload: incoming.payload.type }, 'handler failed');
      handled = { replies: [text(tr.t('common:errors.internal'))], keepPending: true };
    }

    const { replies, pending, refs } = assignKeys(handled.replies, typingStep, incoming.capabilities.maxActionLength);
    await this.refs.save(refs, now);
    // An answer showing the same buttons as the one before (a menu again) leaves them as they are.
    const choices = toRemember(pending);
    const remember = (pending.length > 0 || !handled.keepPending) && !remembered.unchanged(choices, now);
    try {
      await this.writeChat(person.id, chatKey, conversationWrite, remember ? choices : undefined, now);
    } catch (err) {
      // The conversation was not kept: its question would lead nowhere, so the person is told something went wrong.
      state.failed = true;
      this.deps.log.error({ err, person: person.id, payload: incoming.payload.type }, 'could not keep the conversation');
      return [text(tr.t('common:errors.internal'))];
    }
    return replies;
  }

  /**
   * Keeps what an update changed in its chat: the conversation (a failure is thrown: the answer depends on it) and
   * the buttons a person may type the keys of (a failure only costs typing them). Written together when there are
   * both: both or neither.
   */
  private async writeChat(personId: string, chatKey: string, conversation: ConversationWrite | undefined, choices: ChoicesToRemember | undefined, now: Date): Promise<void> {
    if (conversation && choices && choices.list.length > 0) {
      this.pending.written(personId, chatKey);
      await this.conversations.writeWithChoices(personId, chatKey, conversation, choices.json, now);
      return;
    }
    if (conversation) await this.conversations.write(personId, chatKey, conversation, now);
    if (!choices) return;
    try {
      await this.pending.set(personId, chatKey, choices, now);
    } catch (err) {
      this.deps.log.warn({ err }, 'could not remember typed choices');
    }
  }

  /**
   * Something asked for in a group that has to happen in private (a conversation that reads typed text). Where the
   * platform has deep links (Telegram), a button opens the private chat with the command started; where the bot
   * can write first (a Discord DM), the same request is handled in the private chat and its answer sent there.
   */
  private async continuePrivately(incoming: Incoming, state: { failed: boolean; slowDown: boolean }, tr: Translator): Promise<Reply[]> {
    const p = incoming.payload;
    const command = p.type === 'command' ? p.name : p.type === 'action' && p.data.startsWith('cmd:run:') ? p.data.slice('cmd:run:'.length).split(':')[0] : undefined;
    const platform = incoming.chat.platform;
    // Without a command to name (a flow started by a feature's button), the link runs /start, the way in.
    const link = this.deps.startLink?.(platform, `${DEEP_LINK_PREFIX}${command ?? 'start'}`);
    if (link) return [text(tr.t('common:private.continue'), [[{ label: tr.plain('common:private.open'), url: link }]])];
    if (this.deps.sendPrivately && incoming.capabilities.privateInGroups) {
      const dm: Incoming = { ...incoming, chat: { platform, chatId: incoming.identity.id, kind: 'private' } };
      const replies = await this.handleNow(dm, state);
      if (await this.deps.sendPrivately({ platform, chatId: incoming.identity.id }, replies)) return [text(tr.t('common:private.sent'))];
      return [text(tr.t('common:private.cannot_write'))];
    }
    return [text(tr.t('common:access.private_only'))];
  }

  /**
   * A message with buttons sent to a person outside a conversation (a reminder, a request to approve): its buttons
   * get keys to type, remembered like those of any answer, so a terminal or a typing user can pick them too.
   */
  async prepareOutbound(address: Address, reply: Reply): Promise<Reply> {
    const person = await this.deps.db
      .selectFrom('identities')
      .select('person_id')
      .where('key', '=', `${address.platform}:${address.chatId}`)
      .executeTakeFirst();
    if (!person) return reply;
    const { replies, pending, refs } = assignKeys([reply], false, this.deps.messengerLimits?.(address.platform) ?? 64);
    await this.refs.save(refs, this.deps.clock.now());
    await this.pending.set(person.person_id, addressKey(address), pending, this.deps.clock.now());
    return replies[0]!;
  }

  /** Main-menu buttons the person may use. */
  menu(who: Who, tr: Translator): Choice[][] {
    const items = this.deps.registry.menu.filter((m) => {
      const cmd = this.deps.registry.commands.get(m.command);
      return cmd && checkAll(cmd.access, who) === true;
    });
    const rows: Choice[][] = [];
    for (let i = 0; i < items.length; i += 2) {
      rows.push(items.slice(i, i + 2).map((m) => ({ label: tr.plain(m.label), action: commandAction(m.command) })));
    }
    return rows;
  }

  /**
   * The command menu a platform shows for a role, in a language (Telegram's setMyCommands, Discord's slash
   * commands). Descriptions are plain text.
   */
  commandMenu(role: Who['role'], lng: UiLanguage): Array<{ name: string; description: string; arg?: { name: string; description: string; required: boolean } }> {
    const tr = this.deps.i18n.translator(lng);
    return this.commandsFor({ role, registered: role !== 'guest', chatKind: 'private' }).map((c) => ({
      name: c.name,
      description: tr.plain(c.description),
      ...(c.arg ? { arg: { name: c.arg.name, description: tr.plain(c.arg.description), required: c.arg.required === true } } : {}),
    }));
  }

  /** Commands this person may use, in /help order. */
  commandsFor(who: Who): CommandDef[] {
    return [...this.deps.registry.commands.values()].filter((c) => !c.hidden && checkAll(c.access, who) === true);
  }

  private unknownCommand(name: string, who: Who, tr: Translator): Reply[] {
    const allowed = this.commandsFor(who).map((c) => c.name);
    const close = allowed
      .map((c) => ({ c, d: distance(c, name.slice(0, 40)) }))
      .filter((x) => x.d <= Math.max(2, Math.floor(x.c.length / 3)))
      .sort((a, b) => a.d - b.d)[0];
    const msg: Markup = close
      ? tr.t('common:errors.unknown_command_suggest', { command: name.slice(0, 40), suggestion: close.c })
      : tr.t('common:errors.unknown_command', { command: name.slice(0, 40) });
    return [text(msg, this.menu(who, tr))];
  }

  private expired(who: Who, tr: Translator): Reply[] {
    return [text(tr.t('common:errors.button_expired'), this.menu(who, tr))];
  }
}

function cleanValues(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    const c = cleanText(v);
    out[k] = c.ok ? c.text : c.reason === 'too_long' ? v.slice(0, MAX_INPUT_LENGTH + 1) : '';
  }
  return out;
}
