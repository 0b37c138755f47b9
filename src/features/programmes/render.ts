import { esc, join, type Markup, markup } from '../../core/markup.ts';
import { formatDate } from '../../core/time.ts';
import type { Language } from '../../core/types.ts';
import type { Translator } from '../../i18n/index.ts';
import type { Catalogue, Localized, Programme, RuleNode, Source } from './catalogue.ts';
import { evaluateLeaf, fillParams, paramsOn, type ProgrammeResult, type Why, whyFalse, whyUnknown } from './engine.ts';
import { factDef, type Facts, FACTS, type FactValue } from './facts.ts';

/** Texts of the catalogue in a language, with dated parameters filled in for the date. */
export function loc(l: Localized, lng: Language, params: Record<string, FactValue | undefined> = {}): string {
  return fillParams(l[lng], params);
}

/**
 * A date for people. Latvian uses the numeric form (31.12.2023): the long form changes its case with the sentence
 * ("līdz 2023. gada 31. decembrim", "beidzās 31. decembrī"), which one template cannot get right.
 */
export function date(d: string, tr: Translator): string {
  if (tr.lng === 'lv') {
    const [y, m, day] = d.split('-');
    return `${day}.${m}.${y}`;
  }
  return formatDate(d, tr.lng);
}

/** The operator's abbreviation (VISC, IKVD) when its name ends with one in brackets. */
export function operatorShort(p: Programme, lng: Language): string | undefined {
  const m = /\(([A-ZĀ-Ž]{2,6})\)$/.exec(p.operator[lng]);
  return m?.[1];
}

/** The order programmes are listed in: ESF first, then other funding, each by name. */
export function listOrder(catalogue: Catalogue, lng: Language): Programme[] {
  const byName = (a: Programme, b: Programme) => a.name[lng].localeCompare(b.name[lng], lng);
  return [
    ...catalogue.programmes.filter((p) => p.funder.kind === 'esf').sort(byName),
    ...catalogue.programmes.filter((p) => p.funder.kind !== 'esf').sort(byName),
  ];
}

/** "ESF", "EU, not ESF", "state", "municipality": the funder at a glance. */
export function funderBadge(p: Programme, tr: Translator): string {
  // `eu_other` as a locale key would read as a plural form: the key is `eu_programme`.
  return tr.plain(`programmes:funder.${p.funder.kind === 'eu_other' ? 'eu_programme' : p.funder.kind}`);
}

/** "003_07a1e3c4c4f769ab.txt, II daļa, …" (the seed's own words for the part). */
export function citation(s: Source | undefined): string {
  if (!s) return '';
  return [s.file, s.part, s.ref, s.url].filter(Boolean).join(', ');
}

/** The citation for a phone screen: the file and the first words of the part ("003_….txt, II daļa"). */
export function shortCitation(s: Source | undefined): string {
  if (!s) return '';
  if (!s.file) return s.ref ?? s.url ?? '';
  return s.part ? `${s.file}, ${s.part.split(',')[0]!.trim()}` : s.file;
}

/** A fact's value as people read it: option labels, yes/no, numbers. */
export function factValue(name: string, value: FactValue, tr: Translator): string {
  const def = factDef(name);
  if (!def) return String(value);
  if (def.kind === 'bool') return tr.plain(value ? 'common:yes' : 'common:no');
  if (def.kind === 'enum') return tr.plain(`programmes:facts.${name}.options.${String(value)}`);
  if (def.kind === 'set') {
    const list = value as readonly string[];
    return list.length ? list.map((v) => tr.plain(`programmes:facts.${name}.options.${v}`)).join(', ') : tr.plain('programmes:results.none');
  }
  return String(value);
}

/** What is known, in one line: "a child / pupil · grade: 1 · needs: meals". */
export function factSummary(facts: Facts, tr: Translator): Markup {
  const parts = FACTS.filter((f) => facts[f.name as keyof Facts] !== undefined).map((f) => {
    const v = facts[f.name as keyof Facts] as FactValue;
    return f.name === 'subject' ? factValue(f.name, v, tr) : `${tr.plain(`programmes:facts.${f.name}.short`)}: ${factValue(f.name, v, tr)}`;
  });
  return parts.length ? esc(parts.join(' · ')) : tr.t('programmes:results.nothing_known');
}

function whyText(items: Why[], tr: Translator, params: Record<string, FactValue | undefined>, withAnswers: boolean): string {
  const one = (w: Why): string => {
    if ('or' in w) return w.or.map(one).join(` ${tr.plain('programmes:results.or')} `);
    if ('and' in w) return w.and.map(one).join(', ');
    let s = loc(w.label, tr.lng, params);
    const leaf = w.leaf;
    if (withAnswers && leaf && leaf.actual !== undefined) {
      const kind = factDef(leaf.node.fact)?.kind;
      if (kind === 'int' || kind === 'set') s += ` (${tr.plain('programmes:results.answer', { value: factValue(leaf.node.fact, leaf.actual, tr) })})`;
    }
    return s;
  };
  return items.map(one).join('; ');
}

/** The first condition that decided a "no", for its citation. */
function decisiveSource(r: ProgrammeResult): Source | undefined {
  const first = whyFalse(r.trace)[0];
  return first && 'leaf' in first && first.leaf ? first.leaf.node.source : undefined;
}

function notesFor(r: ProgrammeResult, facts: Facts, tr: Translator): string[] {
  return r.programme.notes
    .filter((n) => !n.for || (n.for as readonly string[]).includes(r.status))
    .filter((n) => !n.when || evaluateLeaf(n.when, facts, r.params, r.asOf).outcome === true)
    .map((n) => loc(n.text, tr.lng, r.params));
}

function windowLine(p: Programme, tr: Translator): Markup {
  return p.valid.until ? tr.t('programmes:results.until', { date: date(p.valid.until, tr) }) : tr.t('programmes:results.no_end');
}

function fullBlock(r: ProgrammeResult, facts: Facts, tr: Translator, toCheck: boolean): Markup {
  const p = r.programme;
  const lines: Markup[] = [markup`<b>${esc(loc(p.name, tr.lng))}</b> · ${esc(funderBadge(p, tr))} · ${esc(operatorShort(p, tr.lng) ?? loc(p.operator, tr.lng))}`];
  if (toCheck) lines.push(tr.t('programmes:results.to_check', { what: whyText(whyUnknown(r.trace), tr, r.params, false) }));
  lines.push(tr.t('programmes:results.gives', { text: loc(p.gives, tr.lng, r.params) }));
  for (const n of notesFor(r, facts, tr)) lines.push(tr.t('programmes:results.note', { text: n }));
  lines.push(windowLine(p, tr));
  lines.push(tr.t('programmes:results.apply', { text: loc(p.apply, tr.lng, r.params) }));
  lines.push(tr.t('programmes:results.source', { source: shortCitation(p.source) }));
  return join(lines);
}

function shortLine(r: ProgrammeResult, tr: Translator): Markup {
  const p = r.programme;
  const name = markup`<b>${esc(loc(p.name, tr.lng))}</b> (${esc(funderBadge(p, tr))})`;
  const when = r.status === 'closed' ? tr.t('programmes:results.ended', { date: date(r.endedOn!, tr) }) : tr.t('programmes:results.opens', { date: date(r.opensOn!, tr) });
  return markup`• ${name}: ${when} · 📄 ${esc(shortCitation(p.source))}`;
}

/**
 * "Not eligible" lines: the condition that failed, the answer it failed on, and its citation. Programmes failing
 * for the same reason share one line ("• Lab assistants, Research (ESF): not met: a school"), to stay short.
 */
function notEligibleLines(list: ProgrammeResult[], facts: Facts, tr: Translator): Markup[] {
  const groups: Array<{ key: string; names: string[]; badge: string; reason: Markup; src: string; notes: string[] }> = [];
  for (const r of list) {
    const p = r.programme;
    const reason = tr.t('programmes:results.requires', { what: whyText(whyFalse(r.trace), tr, r.params, true) });
    const src = shortCitation(decisiveSource(r) ?? p.source);
    const badge = funderBadge(p, tr);
    const notes = notesFor(r, facts, tr);
    const key = `${badge}|${reason}|${src}`;
    const same = notes.length === 0 ? groups.find((g) => g.key === key && g.notes.length === 0) : undefined;
    if (same) same.names.push(loc(p.name, tr.lng));
    else groups.push({ key, names: [loc(p.name, tr.lng)], badge, reason, src, notes });
  }
  return groups.map((g) => {
    const names = join(g.names.map((n) => markup`<b>${esc(n)}</b>`), ', ');
    const lines: Markup[] = [markup`• ${names} (${esc(g.badge)}): ${g.reason} · 📄 ${esc(g.src)}`];
    for (const n of g.notes) lines.push(markup`  ${tr.t('programmes:results.note', { text: n })}`);
    return join(lines);
  });
}

/**
 * The questionnaire's answer, grouped: likely eligible, possibly (with what is still to check), not eligible (the
 * reason in one line), closed (with the end date), not yet open. Paragraphs, so long answers split cleanly.
 */
export function resultsMarkup(results: ProgrammeResult[], facts: Facts, asOf: string, tr: Translator): Markup {
  const by = (s: ProgrammeResult['status']) => results.filter((r) => r.status === s);
  const paras: Markup[] = [
    join([tr.t('programmes:results.title', { date: date(asOf, tr) }), markup`${tr.t('programmes:results.known')} ${factSummary(facts, tr)}`]),
  ];
  const section = (key: string, list: ProgrammeResult[], body: (r: ProgrammeResult) => Markup, compact: boolean) => {
    if (!list.length) return;
    const head = tr.t(key, { count: list.length });
    if (compact) paras.push(join([head, ...list.map(body)]));
    else {
      paras.push(head);
      for (const r of list) paras.push(body(r));
    }
  };
  section('programmes:results.eligible', by('eligible'), (r) => fullBlock(r, facts, tr, false), false);
  section('programmes:results.unknown', by('unknown'), (r) => fullBlock(r, facts, tr, true), false);
  const no = by('not_eligible');
  if (no.length) paras.push(join([tr.t('programmes:results.not_eligible', { count: no.length }), ...notEligibleLines(no, facts, tr)]));
  section('programmes:results.closed', by('closed'), (r) => shortLine(r, tr), true);
  section('programmes:results.not_yet_open', by('not_yet_open'), (r) => shortLine(r, tr), true);
  if (!by('eligible').length && !by('unknown').length) paras.push(tr.t('programmes:results.nothing_fits'));
  paras.push(tr.t('programmes:results.footer'));
  return join(paras, '\n\n');
}

function ruleLines(node: RuleNode, tr: Translator, params: Record<string, FactValue | undefined>, depth: number): Markup[] {
  const pad = '  '.repeat(depth);
  if (node.kind === 'leaf') return [esc(`${pad}• ${loc(node.label, tr.lng, params)}`)];
  if (node.kind === 'not') return [esc(`${pad}• ${loc(node.label, tr.lng, params)}`)];
  if (node.label && depth > 0 && node.children.every((c) => c.kind === 'leaf')) {
    return [esc(`${pad}• ${loc(node.label, tr.lng, params)}`)];
  }
  if (node.kind === 'all') {
    if (depth === 0) return node.children.flatMap((c) => ruleLines(c, tr, params, depth));
    return [esc(`${pad}• ${tr.plain('programmes:details.all_of')}`), ...node.children.flatMap((c) => ruleLines(c, tr, params, depth + 1))];
  }
  return [esc(`${pad}• ${tr.plain('programmes:details.one_of')}`), ...node.children.flatMap((c) => ruleLines(c, tr, params, depth + 1))];
}

function statusOn(p: Programme, asOf: string, tr: Translator): Markup {
  if (p.valid.from && asOf < p.valid.from) return tr.t('programmes:details.not_yet_open', { date: date(p.valid.from, tr) });
  if (p.valid.until && asOf > p.valid.until) return tr.t('programmes:details.closed', { date: date(p.valid.until, tr) });
  return tr.t('programmes:details.open');
}

/** One programme in full: what, who, when, conditions as of the date, how to apply, sources. */
export function detailsMarkup(p: Programme, asOf: string, tr: Translator): Markup {
  const lng = tr.lng;
  const params = paramsOn(p, asOf);
  const lines: Markup[] = [markup`<b>${esc(loc(p.name, lng))}</b>`];
  if (p.project) lines.push(markup`<i>${esc(loc(p.project, lng))}</i>`);
  lines.push(tr.t('programmes:details.funder', { funder: loc(p.funder.name, lng), operator: loc(p.operator, lng) }));
  lines.push(tr.t('programmes:details.applicant', { who: p.applicant.map((a) => tr.plain(`programmes:applicant.${a}`)).join(', ') }));
  const window = p.valid.from && p.valid.until
    ? tr.t('programmes:details.valid_between', { from: date(p.valid.from, tr), until: date(p.valid.until, tr) })
    : p.valid.until
      ? tr.t('programmes:details.valid_until', { until: date(p.valid.until, tr) })
      : p.valid.from
        ? tr.t('programmes:details.valid_from', { from: date(p.valid.from, tr) })
        : tr.t('programmes:details.valid_open');
  lines.push(markup`${window} · ${statusOn(p, asOf, tr)}`);
  if (p.valid.note) lines.push(markup`<i>${esc(loc(p.valid.note, lng, params))}</i>`);
  const paras: Markup[] = [join(lines)];
  paras.push(tr.t('programmes:details.gives', { text: loc(p.gives, lng, params) }));
  paras.push(join([tr.t('programmes:details.conditions', { date: date(asOf, tr) }), ...ruleLines(p.conditions, tr, params, 0)]));
  const dated = Object.entries(p.parameters).filter(([, list]) => list.length > 1);
  if (dated.length) {
    const items = dated.flatMap(([name, list]) =>
      list.map((d) => {
        const when = d.from && d.until
          ? tr.plain('programmes:details.between', { from: date(d.from, tr), until: date(d.until, tr) })
          : d.from
            ? tr.plain('programmes:details.from', { from: date(d.from, tr) })
            : d.until
              ? tr.plain('programmes:details.until', { until: date(d.until, tr) })
              : '';
        return esc(`  • ${name} = ${Array.isArray(d.value) ? d.value.join(', ') : String(d.value)} ${when}`.trimEnd());
      }),
    );
    paras.push(join([tr.t('programmes:details.dated'), ...items]));
  }
  paras.push(tr.t('programmes:details.apply', { text: loc(p.apply, lng, params) }));
  const quote = p.source.quote ? ` — “${p.source.quote}”` : '';
  paras.push(tr.t('programmes:details.source', { source: citation(p.source) + quote }));
  return join(paras, '\n\n');
}

/** The catalogue at a glance, ESF first, with what has closed by the date. */
export function listMarkup(catalogue: Catalogue, asOf: string, tr: Translator): Markup {
  const line = (p: Programme): Markup => {
    const state = p.valid.until && asOf > p.valid.until
      ? tr.t('programmes:list.ended', { date: date(p.valid.until, tr) })
      : p.valid.from && asOf < p.valid.from
        ? tr.t('programmes:list.opens', { date: date(p.valid.from, tr) })
        : undefined;
    const who = operatorShort(p, tr.lng);
    const badge = p.funder.kind === 'esf' ? undefined : funderBadge(p, tr);
    const extras: Markup[] = [...(who ? [esc(who)] : []), ...(badge ? [esc(badge)] : []), ...(state ? [state] : [])];
    return markup`• <b>${esc(loc(p.name, tr.lng))}</b>${extras.length ? markup` · ${join(extras, ' · ')}` : ('' as Markup)}`;
  };
  const ordered = listOrder(catalogue, tr.lng);
  const esf = ordered.filter((p) => p.funder.kind === 'esf');
  const other = ordered.filter((p) => p.funder.kind !== 'esf');
  const paras: Markup[] = [tr.t('programmes:list.title', { count: catalogue.programmes.length, date: date(asOf, tr) })];
  if (esf.length) paras.push(join([tr.t('programmes:list.esf'), ...esf.map(line)]));
  if (other.length) paras.push(join([tr.t('programmes:list.other'), ...other.map(line)]));
  paras.push(tr.t('programmes:list.hint'));
  return join(paras, '\n\n');
}
