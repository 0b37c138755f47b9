import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Kysely, type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

/**
 * Kysely's FileMigrationProvider imports bare paths, which TypeScript sources under tsx and vitest cannot use;
 * this one imports each `migrations/NNNN_name.ts` by file URL. Migrations run in name order.
 */
export class TsMigrationProvider implements MigrationProvider {
  constructor(private readonly dir = MIGRATIONS_DIR) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = readdirSync(this.dir)
      .filter((f) => /^\d{4}_[\w-]+\.ts$/.test(f))
      .sort();
    const out: Record<string, Migration> = {};
    for (const f of files) {
      const mod = (await import(pathToFileURL(join(this.dir, f)).href)) as Migration;
      out[f.replace(/\.ts$/, '')] = { up: mod.up, ...(mod.down ? { down: mod.down } : {}) };
    }
    return out;
  }
}

/**
 * Applies pending migrations. `schema` (PostgreSQL) keeps Kysely's bookkeeping tables in the bot's schema: without
 * it Kysely would find another schema's tables in the same database and think this one was migrated.
 */
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: new TsMigrationProvider(), ...(schema ? { migrationTableSchema: schema } : {}) });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '?'} failed: ${String(result.error)}`, { cause: result.error });
  }
  return result;
}
