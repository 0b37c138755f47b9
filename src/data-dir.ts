import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's `data/` folder: catalogue content shipped with the bot (the database lives there too by default). */
export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'data');
