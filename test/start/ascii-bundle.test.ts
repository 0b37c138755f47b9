import { describe, expect, it } from 'vitest';
import { asciiOnly as escape } from '../../scripts/build.mjs';

/** Runs a piece of code as it was written and as the build writes it; both must give the same value. */
function both(code: string): [unknown, unknown, string] {
  const escaped = escape(code);
  return [new Function(`return (${code});`)(), new Function(`return (${escaped});`)(), escaped];
}

describe('the compiled bundle, written in ASCII', () => {
  it('means the same: strings, template texts, regular expressions with and without u, identifiers', () => {
    const cases = [
      `"Pašvaldība: nav zināms · 📍"`,
      `((tag) => tag\`• \${1} — \${'x'} ◦ 🔗\`)((s, ...v) => s.map((p, i) => p + (v[i] ?? '')).join(''))`,
      `/^[-–—•*·▪►✓✔]\\s*/.exec("— sākums")[0]`,
      `"„Citāts“ ‘x’".replace(/[„“”"«»'‘’]/g, "")`,
      `"Ёлка".toLowerCase().replace(/ё/g, "е")`,
      `/[😀-🙏]/u.test("😃") && !/^.$/.test("😃") && /^.$/u.test("😃")`,
      `/\\(([A-ZĀ-Ž]{2,6})\\)$/.exec("Valsts izglītības attīstības aģentūra (VIAA)")[1]`,
      `(() => { const pārbaude = 'ok'; return pārbaude; })()`,
      `"\\ё" + '\\\\ё'`,
    ];
    for (const code of cases) {
      const [before, after, escaped] = both(code);
      expect(after, code).toEqual(before);
      expect(/^[\x00-\x7f]*$/.test(escaped), escaped).toBe(true);
    }
  });

  it('leaves ASCII code as it is', () => {
    const code = 'const a = "x\\u00e9"; // comment\nconst b = /\\d+/g;';
    expect(escape(code)).toBe(code);
  });
});
