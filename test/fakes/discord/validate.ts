// Request-body validation with Discord's limits and error codes (a faithful subset).
import { DISCORD_LOCALES, Errors, FormErrors, checkLength, required } from './util.ts';

type Json = Record<string, any>;
type Path = Array<string | number>;

const COMMAND_NAME = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const LOCALE_CHOICES = `Value must be one of (${DISCORD_LOCALES.map((l) => `'${l}'`).join(', ')}).`;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkChatInputName(e: FormErrors, path: Path, name: unknown): void {
  if (name === undefined || name === null) return required(e, path);
  if (typeof name !== 'string') return e.add(path, 'BASE_TYPE_STRING', 'Must be a string.');
  const len = [...name].length;
  if (len < 1 || len > 32) return e.add(path, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 32 in length.');
  if (!COMMAND_NAME.test(name) || name !== name.toLowerCase()) {
    e.add(path, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
}

function checkLocalizations(
  e: FormErrors,
  path: Path,
  value: unknown,
  check: (p: Path, v: unknown) => void,
): void {
  if (value === undefined || value === null) return;
  if (!isObject(value)) return e.add(path, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  for (const [locale, text] of Object.entries(value)) {
    if (!DISCORD_LOCALES.includes(locale)) {
      e.add([...path, locale], 'BASE_TYPE_CHOICES', LOCALE_CHOICES);
      continue;
    }
    if (text === null) continue;
    check([...path, locale], text);
  }
}

function checkOption(e: FormErrors, path: Path, option: unknown, depth: number): void {
  if (!isObject(option)) return e.add(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
  const type = option.type;
  if (typeof type !== 'number' || type < 1 || type > 11) {
    e.add([...path, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11).');
  }
  checkChatInputName(e, [...path, 'name'], option.name);
  checkLength(e, [...path, 'description'], option.description ?? '', 1, 100);
  checkLocalizations(e, [...path, 'name_localizations'], option.name_localizations, (p, v) => checkChatInputName(e, p, v));
  checkLocalizations(e, [...path, 'description_localizations'], option.description_localizations, (p, v) =>
    checkLength(e, p, v, 1, 100),
  );
  if (Array.isArray(option.choices)) {
    if (option.choices.length > 25) e.add([...path, 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    option.choices.forEach((choice: unknown, i: number) => {
      if (!isObject(choice)) return;
      checkLength(e, [...path, 'choices', i, 'name'], choice.name, 1, 100);
      if (typeof choice.value === 'string') checkLength(e, [...path, 'choices', i, 'value'], choice.value, 1, 100);
    });
  }
  if (type === 1 || type === 2) {
    if (depth >= 2 || (type === 2 && depth >= 1)) {
      e.add([...path, 'type'], 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Sub-command nesting is too deep');
    }
    checkOptions(e, [...path, 'options'], option.options, depth + 1);
  }
}

function checkOptions(e: FormErrors, path: Path, options: unknown, depth: number): void {
  if (options === undefined || options === null) return;
  if (!Array.isArray(options)) return e.add(path, 'BASE_TYPE_ARRAY', 'Must be an array.');
  if (options.length > 25) e.add(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  let sawOptional = false;
  const names = new Set<string>();
  options.forEach((option: unknown, i: number) => {
    checkOption(e, [...path, i], option, depth);
    if (!isObject(option)) return;
    if (typeof option.name === 'string') {
      if (names.has(option.name)) {
        e.add([...path, i, 'name'], 'APPLICATION_COMMAND_OPTION_NAME_NOT_UNIQUE', 'Option names must be unique');
      }
      names.add(option.name);
    }
    if (option.type !== 1 && option.type !== 2) {
      if (option.required) {
        if (sawOptional) {
          e.add(
            [...path, i, 'required'],
            'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
            'Required options must be placed before non-required options',
          );
        }
      } else sawOptional = true;
    }
  });
}

/** Validates a bulk-overwrite body (array of commands) and throws a 50035 ApiError if anything is off. */
export function validateCommands(body: unknown): Json[] {
  const e = new FormErrors();
  if (!Array.isArray(body)) {
    e.add([], 'BASE_TYPE_ARRAY', 'Must be an array.');
    e.throwIfAny();
    return [];
  }
  const seen = new Set<string>();
  let duplicate = false;
  let chatInputCount = 0;
  body.forEach((command: unknown, i: number) => {
    if (!isObject(command)) return e.add([i], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    const type = command.type ?? 1;
    if (![1, 2, 3, 4].includes(type)) e.add([i, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of (1, 2, 3, 4).');
    if (type === 1) {
      chatInputCount++;
      checkChatInputName(e, [i, 'name'], command.name);
      if (command.description === undefined || command.description === null) required(e, [i, 'description']);
      else checkLength(e, [i, 'description'], command.description, 1, 100);
      checkLocalizations(e, [i, 'name_localizations'], command.name_localizations, (p, v) => checkChatInputName(e, p, v));
      checkLocalizations(e, [i, 'description_localizations'], command.description_localizations, (p, v) =>
        checkLength(e, p, v, 1, 100),
      );
      checkOptions(e, [i, 'options'], command.options, 0);
    } else {
      if (command.name === undefined) required(e, [i, 'name']);
      else checkLength(e, [i, 'name'], command.name, 1, 32);
      if (command.description) {
        e.add([i, 'description'], 'APPLICATION_COMMAND_DESCRIPTION_INVALID', 'Context menu commands cannot have a description');
      }
      checkLocalizations(e, [i, 'name_localizations'], command.name_localizations, (p, v) => checkLength(e, p, v, 1, 32));
    }
    const key = `${type}:${String(command.name)}`;
    if (seen.has(key)) duplicate = true;
    seen.add(key);
  });
  if (chatInputCount > 100) e.add([], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
  if (duplicate) e.add([], 'APPLICATION_COMMANDS_DUPLICATE_NAME', 'Application command names must be unique');
  e.throwIfAny();
  return body as Json[];
}

function walkComponents(node: unknown, visit: (c: Json, path: Path) => void, path: Path): void {
  if (Array.isArray(node)) {
    node.forEach((c, i) => walkComponents(c, visit, [...path, i]));
    return;
  }
  if (!isObject(node)) return;
  visit(node, path);
  if (Array.isArray(node.components)) walkComponents(node.components, visit, [...path, 'components']);
  if (isObject(node.component)) walkComponents(node.component, visit, [...path, 'component']);
  if (isObject(node.accessory)) walkComponents(node.accessory, visit, [...path, 'accessory']);
}

const IS_COMPONENTS_V2 = 1 << 15;

export interface MessageCheckOptions {
  /** Creating (not editing) a message: an empty one is rejected with 50006. */
  creating: boolean;
  /** Number of files uploaded with the request. */
  files: number;
}

/**
 * Validates a message body (content ≤ 2000, embeds, legacy component limits, unique custom ids). `prefix` is the path
 * of the message inside the body (e.g. `['data']` for interaction callbacks).
 */
export function validateMessage(body: Json, prefix: Path, options: MessageCheckOptions): void {
  const e = new FormErrors();
  const flags = typeof body.flags === 'number' ? body.flags : 0;
  const v2 = (flags & IS_COMPONENTS_V2) !== 0;
  if (body.content !== undefined && body.content !== null) {
    if (typeof body.content !== 'string') e.add([...prefix, 'content'], 'BASE_TYPE_STRING', 'Must be a string.');
    else if ([...body.content].length > 2000) {
      e.add([...prefix, 'content'], 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
    }
    if (v2 && body.content) {
      e.add([...prefix, 'content'], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', 'The \'content\' field cannot be used when using MessageFlags.IS_COMPONENTS_V2');
    }
  }
  if (Array.isArray(body.embeds)) {
    if (body.embeds.length > 10) e.add([...prefix, 'embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    body.embeds.forEach((embed: Json, i: number) => {
      const p = [...prefix, 'embeds', i];
      if (!isObject(embed)) return;
      if (embed.title !== undefined) checkLength(e, [...p, 'title'], embed.title, 0, 256);
      if (embed.description !== undefined) checkLength(e, [...p, 'description'], embed.description, 0, 4096);
      if (isObject(embed.footer) && embed.footer.text !== undefined) checkLength(e, [...p, 'footer', 'text'], embed.footer.text, 0, 2048);
      if (isObject(embed.author) && embed.author.name !== undefined) checkLength(e, [...p, 'author', 'name'], embed.author.name, 0, 256);
      if (Array.isArray(embed.fields)) {
        if (embed.fields.length > 25) e.add([...p, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
        embed.fields.forEach((f: Json, j: number) => {
          if (!isObject(f)) return;
          checkLength(e, [...p, 'fields', j, 'name'], f.name, 1, 256);
          checkLength(e, [...p, 'fields', j, 'value'], f.value, 1, 1024);
        });
      }
    });
  }
  if (Array.isArray(body.components)) {
    if (!v2 && body.components.length > 5) {
      e.add([...prefix, 'components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
    }
    const ids = new Set<string>();
    walkComponents(
      body.components,
      (c, path) => {
        const p = [...prefix, 'components', ...path];
        if (c.type === 1 && Array.isArray(c.components)) {
          if (c.components.length < 1 || c.components.length > 5) {
            e.add([...p, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
          }
          const selects = c.components.filter((x: Json) => isObject(x) && [3, 5, 6, 7, 8].includes(x.type)).length;
          if (selects > 0 && c.components.length > 1) {
            e.add([...p, 'components'], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width');
          }
        }
        if (c.type === 2) {
          if (c.label !== undefined) checkLength(e, [...p, 'label'], c.label, 0, 80);
          if (c.style === 5 && !c.url) required(e, [...p, 'url']);
          if (c.style !== 5 && c.style !== 6 && !c.custom_id) required(e, [...p, 'custom_id']);
        }
        if ([3, 5, 6, 7, 8].includes(c.type)) {
          if (c.placeholder !== undefined) checkLength(e, [...p, 'placeholder'], c.placeholder, 0, 150);
          if (c.type === 3) {
            if (!Array.isArray(c.options) || c.options.length < 1 || c.options.length > 25) {
              e.add([...p, 'options'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 25 in length.');
            } else {
              c.options.forEach((o: Json, j: number) => {
                checkLength(e, [...p, 'options', j, 'label'], o?.label, 1, 100);
                checkLength(e, [...p, 'options', j, 'value'], o?.value, 1, 100);
              });
            }
          }
        }
        if (typeof c.custom_id === 'string') {
          checkLength(e, [...p, 'custom_id'], c.custom_id, 1, 100);
          if (ids.has(c.custom_id)) {
            e.add([...p, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
          }
          ids.add(c.custom_id);
        }
      },
      [],
    );
  }
  e.throwIfAny();
  if (options.creating) {
    const hasContent = typeof body.content === 'string' && body.content.trim() !== '';
    const hasEmbeds = Array.isArray(body.embeds) && body.embeds.length > 0;
    const hasComponents = Array.isArray(body.components) && body.components.length > 0;
    const hasStickers = Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0;
    if (!hasContent && !hasEmbeds && !hasComponents && !hasStickers && !body.poll && options.files === 0) {
      throw Errors.emptyMessage();
    }
  }
}

/**
 * Validates a MODAL callback's `data`: custom_id, title ≤ 45, 1–5 top-level components, each an action row holding a
 * single text input (label ≤ 45) or a label component (type 18) wrapping one input, or a text display;
 * text inputs with custom_id, style 1|2, max_length ≤ 4000.
 */
export function validateModal(data: unknown): void {
  const e = new FormErrors();
  if (!isObject(data)) {
    required(e, ['data']);
    e.throwIfAny();
    return;
  }
  const p: Path = ['data'];
  if (data.custom_id === undefined) required(e, [...p, 'custom_id']);
  else checkLength(e, [...p, 'custom_id'], data.custom_id, 1, 100);
  if (data.title === undefined) required(e, [...p, 'title']);
  else checkLength(e, [...p, 'title'], data.title, 1, 45);
  const ids = new Set<string>();
  const textInput = (c: Json, path: Path, labelAllowed: boolean) => {
    if (c.custom_id === undefined) required(e, [...path, 'custom_id']);
    else {
      checkLength(e, [...path, 'custom_id'], c.custom_id, 1, 100);
      if (ids.has(c.custom_id)) {
        e.add([...path, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
      }
      ids.add(c.custom_id);
    }
    if (c.style !== 1 && c.style !== 2) e.add([...path, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of (1, 2).');
    if (labelAllowed) {
      if (c.label === undefined) required(e, [...path, 'label']);
      else checkLength(e, [...path, 'label'], c.label, 1, 45);
    }
    if (c.placeholder !== undefined) checkLength(e, [...path, 'placeholder'], c.placeholder, 0, 100);
    if (c.value !== undefined) checkLength(e, [...path, 'value'], c.value, 0, 4000);
    if (c.max_length !== undefined && (typeof c.max_length !== 'number' || c.max_length < 1 || c.max_length > 4000)) {
      e.add([...path, 'max_length'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 4000.');
    }
    if (c.min_length !== undefined && (typeof c.min_length !== 'number' || c.min_length < 0 || c.min_length > 4000)) {
      e.add([...path, 'min_length'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 4000.');
    }
  };
  const components = data.components;
  if (!Array.isArray(components) || components.length < 1 || components.length > 5) {
    e.add([...p, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
  } else {
    components.forEach((row: unknown, i: number) => {
      const rp = [...p, 'components', i];
      if (!isObject(row)) return e.add(rp, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      if (row.type === 1) {
        const inner = row.components;
        if (!Array.isArray(inner) || inner.length !== 1) {
          e.add([...rp, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 1 in length.');
          return;
        }
        const input = inner[0] as Json;
        if (!isObject(input) || input.type !== 4) {
          e.add([...rp, 'components', 0, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (4,).');
          return;
        }
        textInput(input, [...rp, 'components', 0], true);
      } else if (row.type === 18) {
        if (row.label === undefined) required(e, [...rp, 'label']);
        else checkLength(e, [...rp, 'label'], row.label, 1, 45);
        if (row.description !== undefined) checkLength(e, [...rp, 'description'], row.description, 0, 100);
        const inner = row.component;
        if (!isObject(inner)) return required(e, [...rp, 'component']);
        if (inner.type === 4) {
          if (inner.label !== undefined) {
            e.add([...rp, 'component', 'label'], 'TEXT_INPUT_LABEL_NOT_ALLOWED', 'Text inputs inside a label cannot have a label');
          }
          textInput(inner, [...rp, 'component'], false);
        } else if (typeof inner.custom_id === 'string') {
          ids.add(inner.custom_id);
        }
      } else if (row.type !== 10) {
        e.add([...rp, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1, 10, 18).');
      }
    });
  }
  e.throwIfAny();
}
