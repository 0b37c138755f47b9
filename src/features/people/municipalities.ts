import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fold } from '../../core/text-match.ts';
import type { Language } from '../../core/types.ts';
import { DATA_DIR } from '../../data-dir.ts';
import { parseYamlCached } from '../../yaml-cache.ts';

const Localized = z.object({ lv: z.string().min(1), en: z.string().min(1), ru: z.string().min(1) });
const File = z.object({
  regions: z.array(z.object({ id: z.string().regex(/^[a-z-]+$/), name: Localized })).min(1),
  municipalities: z
    .array(z.object({ id: z.string().regex(/^[a-z-]+$/), name: z.string().min(1), region: z.string(), also: z.array(z.string()).optional() }))
    .min(1),
});

export type Region = z.infer<typeof File>['regions'][number];
export type Municipality = z.infer<typeof File>['municipalities'][number];

/** Latvia's municipalities by region: the list people pick from at registration and coordinators target. */
export class Municipalities {
  readonly regions: readonly Region[];
  readonly all: readonly Municipality[];
  private readonly byId: Map<string, Municipality>;

  constructor(data: z.infer<typeof File>) {
    const regionIds = new Set(data.regions.map((r) => r.id));
    for (const m of data.municipalities) {
      if (!regionIds.has(m.region)) throw new Error(`municipality ${m.id}: unknown region ${m.region}`);
    }
    this.regions = data.regions;
    this.all = [...data.municipalities].sort((a, b) => a.name.localeCompare(b.name, 'lv'));
    this.byId = new Map(data.municipalities.map((m) => [m.id, m]));
  }

  static load(file = join(DATA_DIR, 'municipalities.yaml')): Municipalities {
    return new Municipalities(File.parse(parseYamlCached(readFileSync(file, 'utf8'))));
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

  /** Municipalities whose name or former name matches typed text ("Talsi", "talsu", "Sabile"). */
  find(typed: string): Municipality[] {
    const q = fold(typed);
    if (q.length < 2) return [];
    const names = (m: Municipality) => [m.name, ...(m.also ?? [])].map(fold);
    const exact = this.all.filter((m) => names(m).some((n) => n === q || n.replace(/ novads$/, '') === q));
    if (exact.length) return exact;
    return this.all.filter((m) => names(m).some((n) => n.startsWith(q) || (q.length >= 4 && n.startsWith(q.slice(0, -1)))));
  }
}
