import { isSeq, parseDocument } from 'yaml';

/** A programme file or a rule-test file larger than this is refused: a programme is a few kilobytes of text. */
export const MAX_UPLOAD_BYTES = 256 * 1024;
/** What a zip may unpack to at most, all files together, and how many files it may hold. */
export const MAX_ZIP_TOTAL_BYTES = 1024 * 1024;
export const MAX_ZIP_FILES = 100;

/** A file of a draft: its name as sent (for messages) and its text. */
export interface DraftFile {
  name: string;
  text: string;
}

export type Intake =
  | { ok: true; programmes: DraftFile[]; tests: DraftFile[]; ignored: string[] }
  | { ok: false; why: 'too_large' | 'not_text' | 'bad_zip' | 'zip_too_large' | 'zip_empty'; name: string; max?: number };

const CATALOGUE_FILE = /\.(ya?ml|json)$/i;

export function isCatalogueUpload(name: string): boolean {
  return CATALOGUE_FILE.test(name) || /\.zip$/i.test(name);
}

/** The file's text, or undefined when it is not UTF-8 text (a spreadsheet or a photo renamed .yaml). */
function decode(data: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data).replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}

/**
 * Rule tests are a list of cases; a programme is a mapping of fields. A file under `tests/` in a zip is a rule-test
 * file whatever it holds, as in data/programmes.
 */
function isRuleTests(path: string, text: string): boolean {
  if (/(^|\/)tests\//.test(path)) return true;
  try {
    return isSeq(parseDocument(text).contents);
  } catch {
    return false;
  }
}

function basename(path: string): string {
  return path.split('/').pop() ?? path;
}

/**
 * What a coordinator sent: one programme file (YAML or JSON), one rule-test file, or a zip of several (the shape
 * `/catalogue_export` makes). Sizes are checked before anything is unpacked or parsed, so a zip bomb stays closed.
 */
export async function readUpload(name: string, data: Uint8Array): Promise<Intake> {
  if (data.byteLength > MAX_UPLOAD_BYTES) return { ok: false, why: 'too_large', name, max: MAX_UPLOAD_BYTES };
  if (/\.zip$/i.test(name)) return readZip(name, data);
  const text = decode(data);
  if (text === undefined) return { ok: false, why: 'not_text', name };
  return isRuleTests(name, text) ? { ok: true, programmes: [], tests: [{ name, text }], ignored: [] } : { ok: true, programmes: [{ name, text }], tests: [], ignored: [] };
}

async function readZip(name: string, data: Uint8Array): Promise<Intake> {
  // Loaded on first use: only a coordinator's zip needs it, and a start need not pay for its tables.
  const { unzipSync } = await import('fflate');
  let files: Record<string, Uint8Array>;
  let tooLarge = false;
  let total = 0;
  let count = 0;
  try {
    files = unzipSync(data, {
      filter: (f) => {
        if (f.name.endsWith('/') || /(^|\/)(__MACOSX|\.)/.test(f.name) || !CATALOGUE_FILE.test(f.name)) return false;
        count++;
        total += f.originalSize;
        if (f.originalSize > MAX_UPLOAD_BYTES || total > MAX_ZIP_TOTAL_BYTES || count > MAX_ZIP_FILES) tooLarge = true;
        return !tooLarge;
      },
    });
  } catch {
    return { ok: false, why: 'bad_zip', name };
  }
  if (tooLarge) return { ok: false, why: 'zip_too_large', name, max: MAX_ZIP_TOTAL_BYTES };
  const programmes: DraftFile[] = [];
  const tests: DraftFile[] = [];
  const ignored: string[] = [];
  for (const path of Object.keys(files).sort()) {
    const text = decode(files[path]!);
    if (text === undefined) {
      ignored.push(path);
      continue;
    }
    (isRuleTests(path, text) ? tests : programmes).push({ name: /(^|\/)tests\//.test(path) ? `tests/${basename(path)}` : basename(path), text });
  }
  if (!programmes.length && !tests.length) return { ok: false, why: 'zip_empty', name };
  return { ok: true, programmes, tests, ignored };
}
