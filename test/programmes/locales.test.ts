import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../src/core/types.ts';
import { FACTS } from '../../src/features/programmes/facts.ts';
import { createI18n } from '../../src/i18n/index.ts';

describe('programme texts', () => {
  it('has a question, a short name and every option for each fact the questionnaire asks, in lv, en and ru', async () => {
    const i18n = await createI18n();
    const missing: string[] = [];
    for (const lng of LANGUAGES) {
      const tr = i18n.translator(lng);
      for (const f of FACTS) {
        const keys = [`programmes:facts.${f.name}.short`];
        if (f.ask) keys.push(`programmes:facts.${f.name}.question`);
        if (f.kind === 'enum' || f.kind === 'set') for (const o of f.options) keys.push(`programmes:facts.${f.name}.options.${o}`);
        if (f.kind === 'int') keys.push(`programmes:facts.${f.name}.range`);
        for (const k of keys) if (!tr.has(k)) missing.push(`${lng} ${k}`);
      }
      for (const k of ['esf', 'eu_programme', 'state', 'municipality']) if (!tr.has(`programmes:funder.${k}`)) missing.push(`${lng} funder.${k}`);
    }
    expect(missing).toEqual([]);
  });
});
