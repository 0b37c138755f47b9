// Self-test of the fake Discord server, driven by the REAL discord.js Client.
import { once } from 'node:events';
import { createInflate } from 'node:zlib';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordjsErrorCodes,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  MessageFlags,
  LabelBuilder,
  ModalBuilder,
  Partials,
  Routes,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextDisplayBuilder,
  TextInputStyle,
} from 'discord.js';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord, type FakeInteraction } from './discord-api.ts';

const ALICE = '111111111111111111';
const BORIS = '222222222222222222';
const CLOSED = '333333333333333333';

let fake: FakeDiscord;
let client: Client;
let readyFired = false;
const received = new Map<string, Interaction>();
const dmMessages: Message[] = [];

/** The discord.js interaction for a simulated user action, once the client has it. */
async function arrive<T extends Interaction = Interaction>(fi: FakeInteraction): Promise<T> {
  return (await fake.waitFor(() => received.get(fi.id), 5000, `interaction ${fi.id} to reach the client`)) as T;
}

async function rejection(promise: Promise<unknown>): Promise<DiscordAPIError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DiscordAPIError);
    return error as DiscordAPIError;
  }
  throw new Error('expected a DiscordAPIError');
}

describe('FakeDiscord with the real discord.js Client', () => {
  beforeAll(async () => {
    fake = await FakeDiscord.start({ token: 'fake-token', heartbeatIntervalMs: 500 });
    fake.addUser({ id: ALICE, username: 'alice', globalName: 'Alice', locale: 'ru' });
    fake.addUser({ id: BORIS, username: 'boris' });
    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
      partials: [Partials.Channel],
      rest: { api: fake.apiRoot },
    });
    client.on(Events.InteractionCreate, (i) => void received.set(i.id, i));
    client.on(Events.MessageCreate, (m) => void dmMessages.push(m));
    client.once(Events.ClientReady, () => {
      readyFired = true;
    });
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.stop();
  });

  it('logs in: GET /gateway/bot, HELLO, IDENTIFY → READY + GUILD_CREATE, ready fires', async () => {
    await expect(client.login('fake-token')).resolves.toBe('fake-token');
    await fake.waitFor(() => readyFired, 10_000, 'clientReady');
    expect(client.user?.id).toBe(fake.botUserId);
    expect(client.application?.id).toBe(fake.applicationId);
    expect(client.guilds.cache.get(fake.guildId!)?.channels.cache.has(fake.channelId)).toBe(true);
    const gatewayCall = fake.calls.find((c) => c.path === '/gateway/bot');
    expect(gatewayCall?.version).toBe(10);
    expect(gatewayCall?.headers.authorization).toBe('Bot fake-token');
    const connect = fake.gatewayEvents.find((e) => e.type === 'connect');
    expect(connect).toMatchObject({ path: '/gateway', query: { v: '10', encoding: 'json' } });
    expect(connect?.type === 'connect' && connect.query.compress).toBeUndefined();
    expect(fake.gatewayReceived.find((r) => r.payload.op === 2)?.payload.d).toMatchObject({ token: 'fake-token', intents: 1 | 4096 });
    // Heartbeats are acknowledged (op 11), so discord.js measures a ping.
    await fake.waitFor(() => client.ws.ping >= 0, 5000, 'a heartbeat ACK');
  });

  it('a wrong token is refused (REST 401 → TokenInvalid)', async () => {
    const other = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiRoot } });
    await expect(other.login('wrong-token')).rejects.toMatchObject({ code: DiscordjsErrorCodes.TokenInvalid });
    await other.destroy();
    expect(fake.calls.at(-1)).toMatchObject({ path: '/gateway/bot', status: 401, response: { code: 0, message: '401: Unauthorized' } });
  });

  it('delivers a slash command and records an ephemeral reply', async () => {
    const fi = fake.slashCommand({ userId: ALICE, name: 'agenda', options: { day: 'monday' } });
    const interaction = await arrive(fi);
    if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
    expect(interaction.commandName).toBe('agenda');
    expect(interaction.options.getString('day')).toBe('monday');
    expect(interaction.locale).toBe('ru');
    expect(interaction.guildId).toBe(fake.guildId);
    expect(interaction.user.username).toBe('alice');
    expect(interaction.inCachedGuild()).toBe(true);
    await interaction.reply({ content: 'Привет', flags: MessageFlags.Ephemeral });
    const [response] = fake.responsesTo(fi);
    expect(response).toMatchObject({ kind: 'callback', callbackType: 4, content: 'Привет', flags: 64, ephemeral: true });
    const call = fake.calls.find((c) => c.path === `/interactions/${fi.id}/${fi.token}/callback`);
    expect(call?.query.with_response).toBe('false');
    expect(call?.headers.authorization).toBeUndefined();
  });

  it('slash command in DMs carries user and a DM channel', async () => {
    const fi = fake.slashCommand({ userId: BORIS, name: 'help', dm: true, locale: 'en-GB' });
    const interaction = await arrive(fi);
    expect(interaction.guildId).toBeNull();
    expect(interaction.user.id).toBe(BORIS);
    expect(interaction.channelId).toBe(fake.dmChannelOf(BORIS));
    expect(interaction.locale).toBe('en-GB');
    expect(fi.payload.context).toBe(1);
    expect(fi.payload.channel).toMatchObject({ type: 1 });
  });

  it('records deferReply then editReply and followUp, and with_response', async () => {
    const fi = fake.slashCommand({ userId: ALICE, name: 'report' });
    const interaction = await arrive(fi);
    if (!interaction.isChatInputCommand()) throw new Error('unexpected');
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    await interaction.editReply({ content: 'Готово', embeds: [{ title: 'Report', description: 'All fine' }] });
    await interaction.followUp({ content: 'One more thing', flags: MessageFlags.Ephemeral });
    const responses = fake.responsesTo(fi);
    expect(responses.map((r) => [r.kind, r.original, r.callbackType])).toEqual([
      ['callback', true, 5],
      ['edit', true, null],
      ['followup', false, null],
    ]);
    expect(responses[0]?.ephemeral).toBe(true);
    expect(responses[1]).toMatchObject({ content: 'Готово', ephemeral: true });
    expect(responses[1]?.embeds[0]?.title).toBe('Report');
    expect(responses[2]).toMatchObject({ content: 'One more thing', flags: 64, ephemeral: true });

    // A follow-up right after a defer replaces the "thinking…" message (Discord's documented behaviour).
    const fi2 = fake.slashCommand({ userId: ALICE, name: 'report' });
    const second = await arrive(fi2);
    if (!second.isChatInputCommand()) throw new Error('unexpected');
    const callback = await second.deferReply({ withResponse: true });
    expect(callback.interaction.responseMessageLoading).toBe(true);
    const sent = await second.followUp('Here you go');
    const [, follow] = fake.responsesTo(fi2);
    expect(follow).toMatchObject({ kind: 'followup', original: true, content: 'Here you go', ephemeral: false });
    expect(sent.id).toBe(fake.responsesTo(fi2)[0]?.messageId);
  });

  it('a button press reaches the client and update() edits the message', async () => {
    const fi = fake.slashCommand({ userId: ALICE, name: 'visit' });
    const interaction = await arrive(fi);
    if (!interaction.isChatInputCommand()) throw new Error('unexpected');
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('visit:yes').setLabel('Yes').setStyle(ButtonStyle.Success),
      new ButtonBuilder().setCustomId('visit:no').setLabel('No').setStyle(ButtonStyle.Danger),
    );
    const select = new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
      new StringSelectMenuBuilder()
        .setCustomId('visit:city')
        .addOptions({ label: 'Riga', value: 'riga' }, { label: 'Daugavpils', value: 'daugavpils' }),
    );
    const reply = await interaction.reply({ content: 'Come?', components: [row, select], withResponse: true });
    const messageId = reply.resource?.message?.id;
    expect(messageId).toBe(fake.responsesTo(fi)[0]?.messageId);

    const press = fake.pressButton({ userId: ALICE, customId: 'visit:yes' });
    const button = await arrive(press);
    if (!button.isButton()) throw new Error('expected a button');
    expect(button.customId).toBe('visit:yes');
    expect(button.message.id).toBe(messageId);
    await button.update({ content: 'See you!', components: [] });
    expect(fake.responsesTo(press)[0]).toMatchObject({ kind: 'callback', callbackType: 7, content: 'See you!', messageId });
    expect(fake.message(messageId!)).toMatchObject({ content: 'See you!', components: [] });
    expect(() => fake.pressButton({ userId: ALICE, customId: 'visit:no', message: messageId })).toThrow(/no component/);
  });

  it('a select menu choice arrives with its values', async () => {
    const fi = fake.slashCommand({ userId: BORIS, name: 'city', dm: true });
    const interaction = await arrive(fi);
    if (!interaction.isChatInputCommand()) throw new Error('unexpected');
    await interaction.reply({
      content: 'Where?',
      components: [
        new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
          new StringSelectMenuBuilder()
            .setCustomId('city')
            .addOptions({ label: 'Riga', value: 'riga' }, { label: 'Jelgava', value: 'jelgava' }),
        ),
      ],
    });
    const pick = fake.selectOption({ userId: BORIS, customId: 'city', values: ['jelgava'] });
    const select = await arrive(pick);
    if (!select.isStringSelectMenu()) throw new Error('expected a select');
    expect(select.values).toEqual(['jelgava']);
    await select.deferUpdate();
    await select.editReply({ content: 'Jelgava it is', components: [] });
    expect(fake.responsesTo(pick).map((r) => [r.kind, r.callbackType, r.original])).toEqual([
      ['callback', 6, true],
      ['edit', null, true],
    ]);
    expect(fake.dmsTo(BORIS).find((m) => m.id === select.message.id)?.content).toBe('Jelgava it is');
  });

  it('records showModal with five text inputs and round-trips a modal submit', async () => {
    const fi = fake.slashCommand({ userId: ALICE, name: 'idea' });
    const interaction = await arrive(fi);
    if (!interaction.isChatInputCommand()) throw new Error('unexpected');
    const ids = ['title', 'where', 'when', 'who', 'details'];
    const modal = new ModalBuilder()
      .setCustomId('idea:new')
      .setTitle('New idea')
      .addComponents(
        ...ids.map((id) =>
          new ActionRowBuilder<TextInputBuilder>().addComponents(
            new TextInputBuilder()
              .setCustomId(id)
              .setLabel(id.toUpperCase())
              .setStyle(id === 'details' ? TextInputStyle.Paragraph : TextInputStyle.Short)
              .setMaxLength(id === 'details' ? 4000 : 100)
              .setRequired(id !== 'details'),
          ),
        ),
      );
    await interaction.showModal(modal);
    const [shown] = fake.responsesTo(fi);
    expect(shown).toMatchObject({ kind: 'callback', callbackType: 9 });
    expect(shown?.modal?.title).toBe('New idea');
    expect(shown?.modal?.components).toHaveLength(5);

    const submit = fake.submitModal({
      userId: ALICE,
      customId: 'idea:new',
      fields: { title: 'Library day', where: 'Riga', when: 'Friday', who: 'Everyone' },
    });
    const modalSubmit = await arrive(submit);
    if (!modalSubmit.isModalSubmit()) throw new Error('expected a modal submit');
    expect(modalSubmit.customId).toBe('idea:new');
    expect(modalSubmit.fields.getTextInputValue('title')).toBe('Library day');
    expect(modalSubmit.fields.getTextInputValue('details')).toBe('');
    expect(modalSubmit.guildId).toBe(fake.guildId);
    await modalSubmit.reply({ content: 'Saved', flags: MessageFlags.Ephemeral });
    expect(fake.responsesTo(submit)[0]).toMatchObject({ callbackType: 4, content: 'Saved', ephemeral: true });
    expect(() => fake.submitModal({ userId: ALICE, customId: 'idea:new', fields: { title: 'x', nope: 'y' } })).toThrow(/no field/);
  });

  it('a label-style modal opened from a button: submit mirrors it and update() edits the button message', async () => {
    const fi = fake.slashCommand({ userId: BORIS, name: 'feedback', dm: true });
    const interaction = await arrive(fi);
    if (!interaction.isChatInputCommand()) throw new Error('unexpected');
    await interaction.reply({
      content: 'Tell us',
      components: [new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('fb:open').setLabel('Write').setStyle(ButtonStyle.Primary))],
    });
    const press = fake.pressButton({ userId: BORIS, customId: 'fb:open' });
    const button = await arrive(press);
    if (!button.isButton()) throw new Error('unexpected');
    await button.showModal(
      new ModalBuilder()
        .setCustomId('fb:modal')
        .setTitle('Feedback')
        .addTextDisplayComponents(new TextDisplayBuilder().setContent('Be kind'))
        .addLabelComponents(
          new LabelBuilder()
            .setLabel('Your feedback')
            .setTextInputComponent(new TextInputBuilder().setCustomId('text').setStyle(TextInputStyle.Paragraph).setMaxLength(4000)),
        ),
    );
    const submit = fake.submitModal({ userId: BORIS, customId: 'fb:modal', fields: { text: 'Great meeting' }, from: press });
    expect(submit.payload.data.components.map((c: { type: number }) => c.type)).toEqual([10, 18]);
    const modalSubmit = await arrive(submit);
    if (!modalSubmit.isModalSubmit() || !modalSubmit.isFromMessage()) throw new Error('expected a modal submit from a message');
    expect(modalSubmit.fields.getTextInputValue('text')).toBe('Great meeting');
    expect(modalSubmit.message.id).toBe(button.message.id);
    await modalSubmit.update({ content: 'Thanks!', components: [] });
    expect(fake.responsesTo(submit)[0]).toMatchObject({ callbackType: 7, content: 'Thanks!', messageId: button.message.id });
    expect(fake.message(button.message.id)?.content).toBe('Thanks!');
  });

  it('rejects an invalid modal (title > 45 chars, six rows) with 50035', async () => {
    const fi = fake.slashCommand({ userId: ALICE, name: 'idea' });
    await arrive(fi);
    const row = (id: string) => ({ type: 1, components: [{ type: 4, custom_id: id, label: 'L', style: 1 }] });
    const error = await rejection(
      client.rest.post(Routes.interactionCallback(fi.id, fi.token), {
        auth: false,
        body: { type: 9, data: { custom_id: 'm', title: 'x'.repeat(46), components: ['a', 'b', 'c', 'd', 'e', 'f'].map(row) } },
      }),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe(50035);
    expect(error.message).toMatch(/data\.title\[BASE_TYPE_BAD_LENGTH\]/);
    expect(error.message).toMatch(/data\.components\[BASE_TYPE_BAD_LENGTH\]/);
    // Not acknowledged by the failed attempt: a valid answer still works.
    await client.rest.post(Routes.interactionCallback(fi.id, fi.token), { auth: false, body: { type: 4, data: { content: 'ok' } } });
    expect(fake.responsesTo(fi)).toHaveLength(1);
  });

  it('registers guild commands with localizations and rejects a Latvian one', async () => {
    const commands = await client.application!.commands.set(
      [
        {
          name: 'agenda',
          description: 'Show the agenda',
          descriptionLocalizations: { ru: 'Показать повестку', 'en-US': 'Show the agenda' },
          options: [{ type: ApplicationCommandOptionType.String, name: 'day', description: 'Day', required: false }],
        },
      ],
      fake.guildId!,
    );
    expect(commands.size).toBe(1);
    const stored = fake.commands.guilds[fake.guildId!];
    expect(stored?.[0]).toMatchObject({ name: 'agenda', description_localizations: { ru: 'Показать повестку' }, guild_id: fake.guildId });
    expect(fake.calls.at(-1)).toMatchObject({ method: 'PUT', path: `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`, status: 200 });

    // The registered command's id and option types are used for later interactions.
    const fi = fake.slashCommand({ userId: ALICE, name: 'agenda', options: { day: 'friday' } });
    const interaction = await arrive(fi);
    if (!interaction.isChatInputCommand()) throw new Error('unexpected');
    expect(interaction.commandId).toBe(commands.first()!.id);

    const error = await rejection(
      client.application!.commands.set(
        [{ name: 'agenda', description: 'Show the agenda', descriptionLocalizations: { lv: 'Rādīt darba kārtību' } as never }],
        fake.guildId!,
      ),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe(50035);
    expect(error.message).toMatch(/0\.description_localizations\.lv\[BASE_TYPE_CHOICES\]/);
    const bad = await rejection(client.application!.commands.set([{ name: 'Agenda Now', description: '' }]));
    expect(bad.message).toMatch(/0\.name\[APPLICATION_COMMAND_INVALID_NAME\]/);
    expect(bad.message).toMatch(/0\.description\[BASE_TYPE_BAD_LENGTH\]/);
    expect(fake.commands.guilds[fake.guildId!]?.[0]?.description_localizations).toMatchObject({ ru: 'Показать повестку' });
  });

  it('user.send() opens a DM and posts; a closed DM fails with 50007', async () => {
    const alice = await client.users.fetch(ALICE);
    const sent = await alice.send('Reminder: meeting tomorrow');
    expect(sent.channelId).toBe(fake.dmChannelOf(ALICE));
    expect(fake.dmsTo(ALICE).map((m) => m.content)).toContain('Reminder: meeting tomorrow');
    expect(fake.calls.some((c) => c.method === 'POST' && c.path === '/users/@me/channels' && (c.body as { recipient_id?: string }).recipient_id === ALICE)).toBe(true);

    fake.closeDms(CLOSED);
    const error = await rejection(client.users.send(CLOSED, 'hello?'));
    expect(error.code).toBe(50007);
    expect(error.status).toBe(403);
    expect(fake.dmsTo(CLOSED)).toEqual([]);
  });

  it('records an attachment with its name and bytes', async () => {
    const ics = Buffer.from('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n');
    const alice = await client.users.fetch(ALICE);
    const sent = await alice.send({ content: 'Your invite', files: [{ attachment: ics, name: 'agenda.ics' }] });
    const stored = fake.dmsTo(ALICE).find((m) => m.id === sent.id);
    expect(stored?.attachments[0]?.filename).toBe('agenda.ics');
    expect(stored?.attachments[0]?.bytes.equals(ics)).toBe(true);
    const call = fake.calls.findLast((c) => c.attachments.length > 0);
    expect(call?.attachments[0]).toMatchObject({ field: 'files[0]', filename: 'agenda.ics' });
    expect(sent.attachments.first()?.name).toBe('agenda.ics');
    const downloaded = Buffer.from(await (await fetch(sent.attachments.first()!.url)).arrayBuffer());
    expect(downloaded.equals(ics)).toBe(true);

    const fi = fake.slashCommand({ userId: ALICE, name: 'ics' });
    const interaction = await arrive(fi);
    if (!interaction.isChatInputCommand()) throw new Error('unexpected');
    await interaction.reply({ content: 'Here', files: [{ attachment: ics, name: 'agenda.ics' }] });
    const [reply] = fake.responsesTo(fi);
    expect(reply?.attachments.map((a) => [a.filename, a.bytes.toString()])).toEqual([['agenda.ics', ics.toString()]]);
  });

  it('answering twice gives 40060; too late gives 10062; an expired token gives 50027', async () => {
    const fi = fake.slashCommand({ userId: ALICE, name: 'twice' });
    const interaction = await arrive(fi);
    if (!interaction.isChatInputCommand()) throw new Error('unexpected');
    await interaction.reply('first');
    const twice = await rejection(
      client.rest.post(Routes.interactionCallback(fi.id, fi.token), { auth: false, body: { type: 4, data: { content: 'second' } } }),
    );
    expect(twice.code).toBe(40060);
    expect(twice.status).toBe(400);

    const late = fake.slashCommand({ userId: ALICE, name: 'late' });
    const lateInteraction = await arrive(late);
    if (!lateInteraction.isChatInputCommand()) throw new Error('unexpected');
    fake.ageInteraction(late, 3_001);
    const unknown = await rejection(lateInteraction.reply('too late'));
    expect(unknown.code).toBe(10062);
    expect(unknown.status).toBe(404);

    fake.ageInteraction(fi, 15 * 60_000);
    const expired = await rejection(interaction.followUp('after 15 minutes'));
    expect(expired.code).toBe(50027);
    expect(expired.status).toBe(401);
    // Webhook calls are unauthenticated, so the 401 does not wipe the bot token.
    await expect(client.users.fetch(BORIS, { force: true })).resolves.toMatchObject({ id: BORIS });
  });

  it('content over 2000 characters and empty messages are rejected', async () => {
    const channel = await client.channels.fetch(fake.channelId);
    if (!channel?.isSendable()) throw new Error('unexpected');
    const long = await rejection(channel.send('x'.repeat(2001)));
    expect(long.code).toBe(50035);
    expect(long.message).toMatch(/content\[BASE_TYPE_MAX_LENGTH\]/);
    const fi = fake.slashCommand({ userId: ALICE, name: 'long' });
    const interaction = await arrive(fi);
    if (!interaction.isChatInputCommand()) throw new Error('unexpected');
    const error = await rejection(interaction.reply('y'.repeat(2001)));
    expect(error.message).toMatch(/data\.content\[BASE_TYPE_MAX_LENGTH\]/);
    const empty = await rejection(client.rest.post(Routes.channelMessages(fake.channelId), { body: { content: '   ' } }));
    expect(empty.code).toBe(50006);
  });

  it('a 429 (and a 500) are retried by discord.js and then succeed; unknown routes are 404', async () => {
    const channel = await client.channels.fetch(fake.channelId);
    if (!channel?.isSendable()) throw new Error('unexpected');
    fake.failNext('POST /channels/:id/messages', { status: 429, retryAfter: 0.3 });
    const limited = client.rest.listenerCount('rateLimited');
    const message = await channel.send('after a rate limit');
    expect(message.content).toBe('after a rate limit');
    const attempts = fake.calls.filter((c) => c.path === `/channels/${fake.channelId}/messages` && c.method === 'POST').slice(-2);
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(attempts[0]?.response).toMatchObject({ message: 'You are being rate limited.', retry_after: 0.3, global: false });
    void limited;

    fake.failNext('POST /channels/*/messages', { status: 429, retryAfter: 0.2, global: true });
    await expect(channel.send('after a global limit')).resolves.toMatchObject({ content: 'after a global limit' });

    fake.failNext(/^GET \/users\/\d+$/, { status: 500 });
    await expect(client.users.fetch(BORIS, { force: true })).resolves.toMatchObject({ id: BORIS });

    fake.failNext('GET /users/:id', { drop: true });
    await expect(client.users.fetch(ALICE, { force: true })).rejects.toThrow();
    expect(fake.calls.findLast((c) => c.path === `/users/${ALICE}`)).toMatchObject({ fault: true, status: 0 });

    const notFound = await rejection(client.rest.get('/nothing/here' as `/${string}`));
    expect(notFound.status).toBe(404);
    expect(notFound.rawError).toEqual({ code: 0, message: '404: Not Found' });
  });

  it('a DM from a user reaches messageCreate (with Partials.Channel)', async () => {
    fake.userSaysInDm({ userId: BORIS, content: 'hi bot' });
    const message = await fake.waitFor(() => dmMessages.find((m) => m.content === 'hi bot'));
    expect(message.author.id).toBe(BORIS);
    expect(message.channel.isDMBased()).toBe(true);
  });

  it('dropGateway() → the client resumes and gets the events it missed', async () => {
    const resumed = once(client, Events.ShardResume);
    await fake.dropGateway();
    const missed = fake.slashCommand({ userId: ALICE, name: 'while-away' });
    await resumed;
    const interaction = await arrive(missed);
    expect(interaction.isChatInputCommand() && interaction.commandName).toBe('while-away');
    const resume = fake.gatewayEvents.findLast((e) => e.type === 'resume');
    expect(resume).toMatchObject({ path: '/gateway-resume' });
    expect(resume?.type === 'resume' && resume.replayed).toBeGreaterThanOrEqual(1);
  });

  it('dropGateway({ code: 1000 }) → the client identifies afresh and is ready again', async () => {
    const identifies = fake.gatewayEvents.filter((e) => e.type === 'identify').length;
    const ready = once(client, Events.ShardReady);
    await fake.dropGateway({ code: 1000 });
    await ready;
    expect(fake.gatewayEvents.filter((e) => e.type === 'identify').length).toBe(identifies + 1);
    await fake.waitFor(() => fake.gatewayConnected);
    const fi = fake.slashCommand({ userId: BORIS, name: 'again', dm: true });
    await arrive(fi);
  }, 20_000);

  it('speaks zlib-stream to clients that ask for it', async () => {
    const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json&compress=zlib-stream`);
    const inflate = createInflate();
    const payloads: Array<{ op: number; t: string | null }> = [];
    let buffered = '';
    inflate.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      try {
        payloads.push(JSON.parse(buffered));
        buffered = '';
      } catch {
        // wait for the rest
      }
    });
    ws.on('message', (data: Buffer) => inflate.write(data));
    await fake.waitFor(() => payloads.find((p) => p.op === 10));
    ws.send(JSON.stringify({ op: 2, d: { token: 'fake-token', intents: 0, properties: {} } }));
    await fake.waitFor(() => payloads.find((p) => p.t === 'READY'));
    ws.close(1000);
    await once(ws, 'close');
    inflate.close();
  });

  it('client.destroy() and fake.stop() finish promptly', async () => {
    const started = Date.now();
    await client.destroy();
    await fake.stop();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
