import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ical, { type VEvent } from 'node-ical';
import { describe, expect, it } from 'vitest';
import { tempDir, testDatabaseUrl } from '../helpers/harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** The real bot as `npm start` runs it, with piped stdin. Today is the real date here, so only a 2099 visit is upcoming. */
function runConsole(input: string, role: string, dir: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--as', role], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: testDatabaseUrl(dir), CONSOLE_FILES_DIR: join(dir, 'files') },
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('visits through the console adapter (a real process)', () => {
  it('lists visits, shows the 2021-05-27 agenda and saves its calendar file', () => {
    const dir = tempDir('visits-console-');
    const out = runConsole('/visits\n/agenda 2021-05-27\n/calendar 2021-05-27\n/agenda 4\n', 'guest', dir);
    expect(out).toContain('Notikušās');
    expect(out).toContain('1. Microsoft Teams · 27.05.2021 · tiešsaistes sanāksme');
    expect(out).toMatch(/\[\d+\] Jelgava 2017/);
    expect(out).toContain('Ceturtdiena, 27. maijs');
    expect(out).toContain('12.45–13.00 Dalībnieku pievienošanās semināram');
    expect(out).toContain('13.45–14.45 Iespējas un labā prakse romu līdzdalības veicināšanai');
    expect(out).toContain('Microsoft Teams, 27.05.2021: 7 notikumi.');
    expect(out).toContain('📎 ');
    expect(out).toContain('• SIA „Viktorija B”');
    const files = readdirSync(join(dir, 'files'));
    expect(files).toEqual(['agenda-2021-05-27.ics']);
    const events = Object.values(ical.sync.parseICS(readFileSync(join(dir, 'files', files[0]!), 'utf8'))).filter((c): c is VEvent => c.type === 'VEVENT');
    expect(events.map((e) => e.start.toISOString()).sort()[0]).toBe('2021-05-27T09:45:00.000Z');
  });

  it('a coordinator publishes a visit, an expert answers and turns reminders off, the coordinator sees the answer', () => {
    const dir = tempDir('visits-console-');
    const agenda = ['1. diena', '10:00–11:00 Skolas apmeklējums — J. Bērziņa @ Sabile', '13:0 Pusdienas', '3: 13:00 Pusdienas', '2. diena', '10:00 Sanāksme [tour de table]'];
    const created = runConsole(['/visit_new', 'Talsi', '1', '11.06.2099–12.06.2099', ...agenda, 'a', '1', '/visits'].join('\n') + '\n', 'coordinator', dir);
    expect(created).toContain('Kura pašvaldība to uzņem?');
    expect(created).toContain('3. rinda: „13:0 Pusdienas”: gaidīts laiks no 00.00 līdz 23.59');
    expect(created).toContain('Izlabots.');
    expect(created).toContain('Priekšskatījums');
    expect(created).toContain('✓ Publicēts: Labās prakses vizīte: Talsu novads.');
    expect(created).toContain('Gaidāmās\n1. Talsu novads · 11.–12.06.2099 · labās prakses vizīte');

    const answered = runConsole('/agenda 2099-06-11\n1\n/reminders off\n', 'expert', dir);
    expect(answered).toContain('10.00–11.00 Skolas apmeklējums');
    expect(answered).toContain('[1] Piedalīšos');
    expect(answered).toContain('✓ Pierakstīju: jūs piedalīsieties — Talsu novads');
    expect(answered).toContain('🔕 Atgādinājumi izslēgti.');

    const report = runConsole('/rsvps 2099-06-11\n', 'coordinator', dir);
    expect(report).toContain('Piedalīsies: 1 · varbūt: 0 · nepiedalīsies: 0');
    expect(report).toContain('• console expert');
  });
});
