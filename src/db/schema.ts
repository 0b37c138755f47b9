import type { CoreTables } from '../core/tables.ts';
import type { PeopleTables } from '../features/people/tables.ts';

/** Every table, as Kysely sees it. Each feature declares its own tables next to its code. */
export interface DB extends CoreTables, PeopleTables {}
