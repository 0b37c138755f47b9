import type { UiLanguage } from '../core/types.ts';
import type { LvCase } from './latvian.ts';

/** The cases place names are kept in: "Talsu novads", "No Talsu novada", "Talsu novadā" (and Russian alike). */
export const PLACE_CASES = ['nom', 'gen', 'loc'] as const;
export type PlaceCase = (typeof PLACE_CASES)[number];
export type Declined = Readonly<Record<PlaceCase, string>>;

/**
 * A municipality's or region's name in every language and the cases a sentence puts it in. Messages take it as a
 * value and say which case they need (`{{place, place(case: gen)}}`); printed without a formatter it is the
 * Latvian nominative, never "[object Object]".
 */
export class PlaceName {
  constructor(
    readonly lv: Declined,
    readonly en: string,
    readonly ru: Declined,
  ) {}

  /** The name in the reader's language and the case asked for. Romani readers see the Latvian forms. */
  in(lng: UiLanguage, c: LvCase | PlaceCase = 'nom'): string {
    const pc: PlaceCase = c === 'gen' || c === 'loc' ? c : 'nom';
    if (lng === 'en') return this.en;
    return (lng === 'ru' ? this.ru : this.lv)[pc];
  }

  toString(): string {
    return this.lv.nom;
  }
}

/** A place named only in one spelling (a visit's place as the coordinator typed it): the same in every case. */
export function fixedPlace(name: string): PlaceName {
  const forms = { nom: name, gen: name, loc: name };
  return new PlaceName(forms, name, forms);
}

/** Several places as one ("No Ventspils, Ventspils novada"): each case is the places in that case, listed. */
export function joinPlaces(places: readonly PlaceName[]): PlaceName {
  if (places.length === 1) return places[0]!;
  const each = (pick: (p: PlaceName) => Declined): Declined => ({
    nom: places.map((p) => pick(p).nom).join(', '),
    gen: places.map((p) => pick(p).gen).join(', '),
    loc: places.map((p) => pick(p).loc).join(', '),
  });
  return new PlaceName(
    each((p) => p.lv),
    places.map((p) => p.en).join(', '),
    each((p) => p.ru),
  );
}
