import type { Role, Who } from './access.ts';
import type { Translator } from '../i18n/index.ts';
import type { Capabilities, Choice, Incoming, Reply, UiLanguage } from './types.ts';

/** The person behind a message, as handlers see them. `role` is effective (admins named by configuration). */
export interface Person {
  id: string;
  role: Role;
  requestedRole: Role | null;
  municipality: string | null;
  language: UiLanguage;
  /** False while the language only comes from the platform's hint. */
  languageChosen: boolean;
  registered: boolean;
  identityKey: string;
}

/** Everything a handler gets for one incoming message. Services come from the feature's own constructor. */
export interface Ctx {
  readonly incoming: Incoming;
  readonly person: Person;
  readonly now: Date;
  readonly caps: Capabilities;
  /** The person as access rules see them (role, registration, whether answers here are private). */
  readonly who: Who;
  /** Translator in the person's language; changes after `useLanguage`. */
  readonly tr: Translator;
  /** Switches the language for the rest of this handling (after the person picks one). */
  useLanguage(lng: UiLanguage): void;
  /** Starts a flow (replacing any unfinished one in this chat) and returns its first replies. */
  startFlow(name: string, args?: string): Promise<Reply[]>;
  /** Ends the flow running in this chat, if any. */
  endFlow(): Promise<void>;
  /** Runs a command as if typed, with its access rules. */
  runCommand(name: string, args?: string): Promise<Reply[]>;
  /** The main menu buttons this person may use. */
  menu(): Choice[][];
}
