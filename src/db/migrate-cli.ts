import { loadConfig } from '../config.ts';
import { openDatabase } from './database.ts';
import { migrateToLatest } from './migrator.ts';

const config = loadConfig(process.env);
const database = await openDatabase(config.database);
try {
  const result = await migrateToLatest(database.db, database.schema);
  const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
  console.log(applied.length ? `applied: ${applied.join(', ')}` : `up to date (${database.location})`);
} finally {
  await database.close();
}
