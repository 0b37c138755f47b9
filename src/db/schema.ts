import type { CoreTables } from '../core/tables.ts';
import type { AccessTables } from '../features/access/tables.ts';
import type { AnnouncementTables } from '../features/announcements/tables.ts';
import type { IdeasTables } from '../features/ideas/tables.ts';
import type { NoticeTables } from '../features/notices/tables.ts';
import type { PeopleTables } from '../features/people/tables.ts';
import type { ProgrammesTables } from '../features/programmes/tables.ts';
import type { TranslationTables } from '../features/translations/tables.ts';
import type { VisitTables } from '../features/visits/tables.ts';

/** Every table, as Kysely sees it. Each feature declares its own tables next to its code. */
export interface DB extends CoreTables, PeopleTables, ProgrammesTables, VisitTables, IdeasTables, AnnouncementTables, AccessTables, NoticeTables, TranslationTables {}
