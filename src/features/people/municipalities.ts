import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { fold, hasCyrillic, translit } from '../../core/text-match.ts';
import type { Language } from '../../core/types.ts';
import { DATA_DIR } from '../../data-dir.ts';
import { PlaceName } from '../../i18n/places.ts';
import { parseYamlCached } from '../../yaml-cache.ts';
import { derived } from '../../derived-cache.ts';

// Built on first use: a start that finds the file unchanged (the data cache) never checks it.
const File = z.lazy(() => {
  const Declined = z.object({ nom: z.string().min(1), gen: z.string().min(1), loc: z.string().min(1) }).strict();
  const Named = { lv: Declined, ru: Declined, en: z.string().min(1) };
  return z.object({
    regions: z.array(z.object({ id: z.string().regex(/^[a-z-]+$/), ...Named }).strict()).min(1),
    municipalities: z
      .array(z.object({ id: z.string().regex(/^[a-z-]+$/), region: z.string(), ...Named, also: z.array(z.string()).optional() }).strict())
      .min(1),
  });
});
type FileData = z.infer<typeof File>;

export interface Region {
  id: string;
  /** The nominative in each content language (button labels). */
  name: Record<Language, string>;
  /** Every language and case, for messages (`{{region, place(case: gen)}}`). */
  place: PlaceName;
}

export interface Municipality {
  id: string;
  /** The Latvian nominative ("Talsu novads"), as in the law's annex. */
  name: string;
  region: string;
  /** Every language and case, for messages (`{{municipality, place(case: gen)}}`). */
  place: PlaceName;
  /** Former municipalities and towns within it, as people still name them. */
  also?: string[];
}

/** Russian prepositions people type before a place ("в Даугавпилсе", "из Талси"); Latvian "no". */
const LEADING_PREPOSITION = /^(?:в|во|из|с|со|no|uz) /;

function inLatvianOrder(data: FileData): FileData {
  return { ...data, municipalities: [...data.municipalities].sort((a, b) => a.lv.nom.localeCompare(b.lv.nom, 'lv')) };
}

/** Latvia's municipalities by region: the list people pick from at registration and coordinators target. */
export class Municipalities {
  readonly regions: readonly Region[];
  readonly all: readonly Municipality[];
  private readonly byId: Map<string, Municipality>;
  /** Every spelling of each municipality, folded: Latvian and Russian cases, English, former names. */
  private readonly spellings: Map<string, string[]>;

  /** `data`'s municipalities in Latvian alphabetical order (as `load` keeps them): the list people pick from. */
  private constructor(data: FileData) {
    const regionIds = new Set(data.regions.map((r) => r.id));
    for (const m of data.municipalities) {
      if (!regionIds.has(m.region)) throw new Error(`municipality ${m.id}: unknown region ${m.region}`);
    }
    this.regions = data.regions.map((r) => ({ id: r.id, name: { lv: r.lv.nom, en: r.en, ru: r.ru.nom }, place: new PlaceName(r.lv, r.en, r.ru) }));
    const list: Municipality[] = data.municipalities.map((m) => ({
      id: m.id,
      name: m.lv.nom,
      region: m.region,
      place: new PlaceName(m.lv, m.en, m.ru),
      ...(m.also ? { also: m.also } : {}),
    }));
    this.all = list;
    this.byId = new Map(this.all.map((m) => [m.id, m]));
    this.spellings = new Map(
      data.municipalities.map((m) => [m.id, [...new Set([...Object.values(m.lv), ...Object.values(m.ru), m.en, ...(m.also ?? [])].map(fold))]]),
    );
  }

  static load(file = join(DATA_DIR, 'municipalities.yaml')): Municipalities {
    // Sorted once and kept with the checked data: Latvian collation is ICU data a start need not load.
    const data = derived.remember('municipalities', readFileSync(file, 'utf8'), (text) => inLatvianOrder(File.parse(parseYamlCached(text))));
    return new Municipalities(data);
  }

  get(id: string | null | undefined): Municipality | undefined {
    return id ? this.byId.get(id) : undefined;
  }

  region(id: string): Region | undefined {
    return this.regions.find((r) => r.id === id);
  }

  inRegion(regionId: string): Municipality[] {
    return this.all.filter((m) => m.region === regionId);
  }

  regionName(id: string, lng: Language): string {
    return this.region(id)?.name[lng] ?? id;
  }

  /**
   * Municipalities whose name, in any language or case, or former name matches typed text: "Talsi", "talsu",
   * "Sabile", "Даугавпилс", "в Даугавпилсе", "Talsi Municipality".
   */
  find(typed: string): Municipality[] {
    const queries = this.queries(typed);
    if (!queries.length) return [];
    const names = (m: Municipality) => this.spellings.get(m.id) ?? [];
    // "Ventspils" is both the city and Ventspils novads, so both are offered; but "Jelgava" is not Jelgavas
    // novads, though its English name is "Jelgava Municipality": other languages' words for it count only when
    // no Latvian name matches. Names are folded here ("novadā" is "novada", "край" is "краи").
    const exact = this.all.filter((m) => names(m).some((n) => queries.some((q) => n === q || n.replace(/ novads$/, '') === q)));
    if (exact.length) return exact;
    const short = (n: string) => n.replace(/ (?:novada|municipality|краи|края|крае)$/, '');
    const shortened = this.all.filter((m) => names(m).some((n) => queries.includes(short(n))));
    if (shortened.length) return shortened;
    return this.all.filter((m) =>
      names(m).some((n) => queries.some((q) => n.startsWith(q) || (q.length >= 4 && n.startsWith(q.slice(0, -1))))),
    );
  }

  /**
   * A region named in any language or case ("Kurzeme", "Kurzemes", "Курземе", "Riga region"), or the start of one
   * ("Kurz") when no municipality is named so ("Rīga" is the city, not the Riga region).
   */
  findRegion(typed: string): Region | undefined {
    const queries = this.queries(typed);
    if (!queries.length) return undefined;
    const forms = (r: Region) => [...Object.values(r.place.lv), ...Object.values(r.place.ru), r.place.en].map(fold);
    const exact = this.regions.find((r) => forms(r).some((n) => queries.includes(n)));
    if (exact || this.find(typed).length) return exact;
    return this.regions.find((r) => forms(r).some((n) => queries.some((q) => q.length >= 3 && n.startsWith(q))));
  }

  /** The typed text folded, without a leading preposition, and in Latin letters when it is Cyrillic. */
  private queries(typed: string): string[] {
    const q = fold(typed).replace(LEADING_PREPOSITION, '');
    if (q.length < 2) return [];
    return hasCyrillic(q) ? [q, fold(translit(q))] : [q];
  }
}
