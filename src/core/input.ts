/** Largest file the bot accepts (an announcement's attachment); Telegram's own download limit is 20 MB. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Longest text the bot reads in one message; longer ones are refused with the limit named, never cut silently. */
export const MAX_INPUT_LENGTH = 4000;

// C0/C1 controls other than tab and newline, and the bidirectional overrides and isolates that can make text
// display differently from what it is. Right-to-left letters themselves are kept.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/g;

export type CleanText = { ok: true; text: string } | { ok: false; reason: 'empty' } | { ok: false; reason: 'too_long'; length: number };

export function cleanText(input: string): CleanText {
  const text = input.normalize('NFC').replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
  if (!text) return { ok: false, reason: 'empty' };
  const length = [...text].length;
  if (length > MAX_INPUT_LENGTH) return { ok: false, reason: 'too_long', length };
  return { ok: true, text };
}

/** `/agenda 2021-05-27` or `/start@RomaNetBot CODE` → name and arguments; undefined when not a command. */
export function parseCommand(text: string, botUsername?: string): { name: string; args: string } | undefined {
  const m = /^\/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!m) return undefined;
  if (m[2] && botUsername && m[2].toLowerCase() !== botUsername.toLowerCase()) return undefined;
  return { name: m[1]!.toLowerCase(), args: (m[3] ?? '').trim() };
}
