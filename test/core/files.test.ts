import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileLine } from '../../adapters/console/console-adapter.ts';
import type { App } from '../../src/app.ts';
import { text } from '../../src/core/types.ts';
import { esc } from '../../src/core/markup.ts';
import { tempDir, testApp, TestUser } from '../helpers/harness.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('files sent outside a conversation', () => {
  it('go to the first feature that accepts them, and are refused with a clear answer otherwise', async () => {
    const seen: string[] = [];
    app = await testApp();
    app.registry.add({
      name: 'notes-reader',
      fileHandlers: [
        {
          // Not .yaml: the catalogue feature takes programme files.
          name: 'notes',
          accepts: (_ctx, f) => f.name.endsWith('.txt'),
          handle: async (_ctx, f) => {
            seen.push(`${f.name}:${new TextDecoder().decode(f.data)}`);
            return [text(esc('got it'))];
          },
        },
      ],
    });
    const u = new TestUser(app, { id: 'f' });
    await u.sendFile('photo.jpg', 'x', 'image/jpeg');
    expect(u.text()).toContain('Šeit fails nav gaidīts');
    await u.sendFile('p.txt', 'id: x');
    expect(u.text()).toBe('got it');
    expect(seen).toEqual(['p.txt:id: x']);
  });

  it('can be sent from the console with /file PATH; a wrong path is answered, not thrown', () => {
    const dir = tempDir('console-file-');
    const path = join(dir, 'programme.yaml');
    writeFileSync(path, 'id: a');
    const sent = fileLine(`/file ${path}`);
    expect(sent).toMatchObject({ type: 'file', name: 'programme.yaml', mime: 'application/yaml', size: 5 });
    expect(fileLine(`/file ${join(dir, 'nope.yaml')}`)).toEqual({ type: 'unreadable_file', name: 'nope.yaml' });
    expect(fileLine(`/file ${dir}`)).toMatchObject({ type: 'unreadable_file' });
    expect(fileLine('/filed x')).toBeUndefined();
  });

  it('answers an unreadable file in the person’s language', async () => {
    app = await testApp();
    const u = new TestUser(app, { id: 'g' });
    await u.deliver({ type: 'unreadable_file', name: 'nope.yaml' });
    expect(u.text()).toContain('Failu „nope.yaml” nevar nolasīt');
  });
});
