/**
 * Request parameters the way the Bot API takes them: query string, JSON, application/x-www-form-urlencoded, or
 * multipart/form-data (files). Multipart goes through the web-standard `Request#formData()` first; Node 20's parser
 * (undici) refuses the multipart grammY writes (`content-disposition:form-data;name="x"`, unquoted `filename=`),
 * which the real Telegram accepts, so a tolerant parser takes over when undici gives up.
 */

export interface UploadedFile {
  /** The multipart part name (grammY: a random id referenced by "attach://id"; curl -F: the field itself). */
  part: string;
  fileName: string;
  mimeType: string;
  bytes: Buffer;
}

export interface ParsedBody {
  params: Record<string, unknown>;
  files: Map<string, UploadedFile>;
}

export class BodyError extends Error {}

/** Form values are strings; these fields are numbers or booleans in the JSON the fake records. */
const NUMERIC = new Set([
  'chat_id', 'message_id', 'user_id', 'offset', 'limit', 'timeout', 'reply_to_message_id', 'max_connections',
  'cache_time', 'message_thread_id', 'from_chat_id', 'duration', 'width', 'height', 'latitude', 'longitude',
]);

export function coerceFormValue(key: string, value: string): unknown {
  if (NUMERIC.has(key) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') {
    if (key.startsWith('disable_') || key.startsWith('is_') || key.startsWith('has_') || key.startsWith('allow_') ||
        ['protect_content', 'show_alert', 'drop_pending_updates', 'supports_streaming', 'show_caption_above_media'].includes(key)) {
      return value === 'true';
    }
  }
  const t = value.trimStart();
  if ((t.startsWith('{') || t.startsWith('[')) && key !== 'text' && key !== 'caption' && key !== 'data') {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

export function paramsFromSearch(search: URLSearchParams, into: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of search) into[k] = coerceFormValue(k, v);
  return into;
}

export async function parseBody(contentType: string | undefined, body: Buffer, query: URLSearchParams): Promise<ParsedBody> {
  const params = paramsFromSearch(query);
  const files = new Map<string, UploadedFile>();
  const ct = (contentType ?? '').toLowerCase();
  if (body.length === 0) return { params, files };
  if (ct.startsWith('application/json') || (ct === '' && body[0] === 0x7b)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new BodyError("Bad Request: can't parse JSON object");
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BodyError("Bad Request: can't parse JSON object");
    Object.assign(params, parsed);
  } else if (ct.startsWith('application/x-www-form-urlencoded')) {
    paramsFromSearch(new URLSearchParams(body.toString('utf8')), params);
  } else if (ct.startsWith('multipart/form-data')) {
    await parseMultipart(contentType!, body, params, files);
  } else {
    throw new BodyError(`Bad Request: unsupported content type ${contentType ?? ''}`.trim());
  }
  return { params, files };
}

async function parseMultipart(contentType: string, body: Buffer, params: Record<string, unknown>, files: Map<string, UploadedFile>): Promise<void> {
  let form: FormData | undefined;
  try {
    form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
  } catch {
    form = undefined;
  }
  if (form) {
    for (const [name, value] of form) {
      if (typeof value === 'string') params[name] = coerceFormValue(name, value);
      else {
        files.set(name, { part: name, fileName: value.name, mimeType: value.type || 'application/octet-stream', bytes: Buffer.from(await value.arrayBuffer()) });
      }
    }
    return;
  }
  tolerantMultipart(contentType, body, params, files);
}

/** RFC 7578 multipart, lenient about header spelling and quoting (what grammY and other real clients send). */
export function tolerantMultipart(contentType: string, body: Buffer, params: Record<string, unknown>, files: Map<string, UploadedFile>): void {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new BodyError('Bad Request: multipart boundary is missing');
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new BodyError("Bad Request: can't parse multipart body");
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return; // closing "--"
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), pos);
    if (next < 0) throw new BodyError("Bad Request: can't parse multipart body");
    const part = body.subarray(pos, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new BodyError("Bad Request: can't parse multipart body");
    const headers = new Map<string, string>();
    for (const line of part.subarray(0, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = headers.get('content-disposition') ?? '';
    const name = dispositionParam(disposition, 'name');
    const fileName = dispositionParam(disposition, 'filename');
    const content = part.subarray(headerEnd + 4);
    if (name !== undefined) {
      if (fileName !== undefined) {
        files.set(name, { part: name, fileName, mimeType: headers.get('content-type') || 'application/octet-stream', bytes: Buffer.from(content) });
      } else {
        params[name] = coerceFormValue(name, content.toString('utf8'));
      }
    }
    pos = next + 2;
  }
}

function dispositionParam(disposition: string, key: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i');
  const m = re.exec(disposition);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!.trim();
}
