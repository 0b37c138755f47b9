import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Messenger } from '../core/messenger.ts';
import type { Registry } from '../core/router.ts';
import type { Config } from '../config.ts';
import type { DialectName } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import type { I18nService } from '../i18n/index.ts';
import type { AuditLog } from './access/audit.ts';
import type { Notices } from './notices/notices.ts';
import type { Municipalities } from './people/municipalities.ts';
import type { PeopleService } from './people/people-service.ts';

/** What every feature may use. Features never see an adapter: they speak first through the Messenger. */
export interface FeatureDeps {
  db: Kysely<DB>;
  dialect: DialectName;
  clock: Clock;
  log: Logger;
  i18n: I18nService;
  messenger: Messenger;
  /** Messages to a person that must not be lost (requests, decisions, reminders, reports): queued and retried. */
  notices: Notices;
  people: PeopleService;
  municipalities: Municipalities;
  registry: Registry;
  config: Config;
  /** Who did what, when (role changes, announcements, reloads, exports, erasures). Optional for partial test set-ups. */
  audit?: AuditLog;
  /** How long after start background work (reminders, announcements) first runs; default `FIRST_RUN_AFTER_MS`, tests 0. */
  firstTickAfterMs?: number;
}
