import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Precondition } from './access.ts';
import type { Ctx } from './context.ts';
import type { FlowDef } from './flows.ts';
import type { Reply } from './types.ts';

export interface CommandArg {
  name: string;
  /** Locale key of the argument's one-line description (Discord shows it). */
  description: string;
  required?: boolean;
}

export interface CommandDef {
  /** Lowercase letters, digits and underscores, at most 32 (Telegram's and Discord's common rule). */
  name: string;
  access: readonly Precondition[];
  /** Locale key of the one-line description shown in /help and the platforms' command menus. */
  description: string;
  arg?: CommandArg;
  /** Kept out of /help and the platforms' menus (still usable when typed). */
  hidden?: boolean;
  handle(ctx: Ctx, args: string): Promise<Reply[]>;
}

/**
 * A button that works outside any flow, e.g. "show programme X". Its data is `id:arg1:arg2`: the id finds the
 * handler, the arguments say what; the data carries no authority, as access is checked here on every press.
 */
export interface ActionDef {
  /** Two segments, `feature:verb`. */
  id: string;
  access: readonly Precondition[];
  handle(ctx: Ctx, args: string[]): Promise<Reply[]>;
}

/** Free text outside any flow: a feature may recognize it (a programme's name, say) and answer. */
export interface TextHandler {
  name: string;
  handle(ctx: Ctx, text: string): Promise<Reply[] | undefined>;
}

/**
 * A file sent outside any conversation (a programme file, a filled translation sheet). `accepts` looks only at the
 * name, type and sender, before the file is downloaded; the first handler that accepts it gets the bytes. Access
 * is the handler's to check, so a refusal can say what to do.
 */
export interface FileHandler {
  name: string;
  accepts(ctx: Ctx, file: { name: string; mime: string; size: number }): boolean;
  handle(ctx: Ctx, file: { name: string; mime: string; data: Uint8Array }): Promise<Reply[]>;
}

/** An entry of the main menu, shown as a button when the person may run its command. */
export interface MenuItem {
  /** Locale key of the button label. */
  label: string;
  command: string;
  order: number;
}

/**
 * What a feature stores about a person, for privacy: `/mydata` gathers every feature's `export`, `/forget` runs
 * every feature's `erase` in one transaction, and linking two accounts runs every `merge` in one transaction (rows of
 * `fromId` become `intoId`'s; `fromId` is deleted afterwards). `db` is the transaction; features use it, never their
 * own connection, so all of it happens or none.
 */
export interface PersonalData {
  /** Everything stored about the person, as plain JSON (no other person's names). */
  export(personId: string, db: Kysely<DB>): Promise<unknown>;
  /** Deletes the person's rows, or makes them anonymous where the network keeps the content (idea lists). */
  erase(personId: string, db: Kysely<DB>): Promise<void>;
  merge(fromId: string, intoId: string, db: Kysely<DB>): Promise<void>;
}

/** A capability of the bot: its commands, buttons, conversations and background work. */
export interface Feature {
  name: string;
  commands?: CommandDef[];
  actions?: ActionDef[];
  flows?: FlowDef[];
  textHandlers?: TextHandler[];
  fileHandlers?: FileHandler[];
  menu?: MenuItem[];
  /** Rows this feature keeps about people: exported by /mydata, erased by /forget, merged by /link. */
  personalData?: PersonalData;
  /** Read-only pages on the bot's HTTP server (HTTP_PORT), beside /healthz and /metrics. */
  http?: HttpRoute[];
  /** Background work (schedulers, workers); started after the adapters. */
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

/** A GET route: the query string in, a status, a content type and a body out. */
export interface HttpRoute {
  path: string;
  handle(query: URLSearchParams): Promise<{ status: number; type: string; body: string; headers?: Record<string, string> }>;
}

const COMMAND_NAME = /^[a-z][a-z0-9_]{0,31}$/;
const ACTION_ID = /^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$/;

/** All features' parts, checked for clashes once at start-up. */
export class Registry {
  readonly commands = new Map<string, CommandDef>();
  readonly actions = new Map<string, ActionDef>();
  readonly flows = new Map<string, FlowDef>();
  readonly textHandlers: TextHandler[] = [];
  readonly fileHandlers: FileHandler[] = [];
  readonly menu: MenuItem[] = [];
  readonly features: Feature[] = [];

  add(feature: Feature): this {
    this.features.push(feature);
    for (const c of feature.commands ?? []) {
      if (!COMMAND_NAME.test(c.name)) throw new Error(`command name ${c.name} is not valid on every platform`);
      if (this.commands.has(c.name)) throw new Error(`command /${c.name} registered twice`);
      this.commands.set(c.name, c);
    }
    for (const a of feature.actions ?? []) {
      if (!ACTION_ID.test(a.id)) throw new Error(`action id ${a.id} must be feature:verb`);
      if (this.actions.has(a.id)) throw new Error(`action ${a.id} registered twice`);
      this.actions.set(a.id, a);
    }
    for (const f of feature.flows ?? []) {
      if (this.flows.has(f.name)) throw new Error(`flow ${f.name} registered twice`);
      this.flows.set(f.name, f);
    }
    this.textHandlers.push(...(feature.textHandlers ?? []));
    this.fileHandlers.push(...(feature.fileHandlers ?? []));
    this.menu.push(...(feature.menu ?? []));
    this.menu.sort((a, b) => a.order - b.order);
    return this;
  }

  /** Splits button data into the action and its arguments. */
  findAction(data: string): { def: ActionDef; args: string[] } | undefined {
    const parts = data.split(':');
    if (parts.length < 2) return undefined;
    const def = this.actions.get(`${parts[0]}:${parts[1]}`);
    return def ? { def, args: parts.slice(2) } : undefined;
  }
}

/** Button data for running a command (menu entries and "open X" buttons). */
export function commandAction(name: string, args?: string): string {
  return args ? `cmd:run:${name}:${args}` : `cmd:run:${name}`;
}
