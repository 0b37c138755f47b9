import type { Logger } from 'pino';
import type { Adapter } from './core/adapter.ts';
import { BotCore } from './core/bot.ts';
import { type Clock, systemClock } from './core/clock.ts';
import { FloodLimiter } from './core/flood.ts';
import { Messenger } from './core/messenger.ts';
import { Registry } from './core/router.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrator.ts';
import { accessFeature, AuditLog } from './features/access/index.ts';
import { catalogueFeature } from './features/catalogue/index.ts';
import { announcementsFeature, announceVisitOffer, type AnnouncementsService } from './features/announcements/index.ts';
import { RateLimiter, type SendPacer } from './features/announcements/rate-limit.ts';
import { SharedRateLimiter } from './features/announcements/shared-rate-limit.ts';
import type { AnnouncementsOptions } from './features/announcements/service.ts';
import type { FeatureDeps } from './features/deps.ts';
import { ideasFeature } from './features/ideas/index.ts';
import { noticesFeature } from './features/notices/index.ts';
import { Notices } from './features/notices/notices.ts';
import { peopleFeature } from './features/people/index.ts';
import { programmesFeature } from './features/programmes/index.ts';
import { reportsFeature } from './features/reports/index.ts';
import { translationsFeature } from './features/translations/index.ts';
import type { TranslationService } from './features/translations/service.ts';
import { visitsFeature } from './features/visits/index.ts';
import { Municipalities } from './features/people/municipalities.ts';
import { PeopleService } from './features/people/people-service.ts';
import { createI18n, type I18nService } from './i18n/index.ts';
import { silentLogger } from './log.ts';
import { cannotWrite } from './db/writable.ts';
import { type Health, within } from './health.ts';
import type { Metrics } from './metrics.ts';
import type { ObservabilityServer } from './observability.ts';

export interface AppOptions {
  config: Config;
  clock?: Clock;
  log?: Logger;
  /** An already open database (tests); otherwise the configured one is opened. */
  database?: Database;
  /** Identities treated as admins in addition to BOT_ADMINS (the console's local operator). */
  extraAdmins?: readonly string[];
  announcements?: AnnouncementsOptions;
  /** The per-person flood limit (on unless turned off, e.g. for benchmarks that replay traffic). */
  floodLimit?: boolean;
  /** How long after start background work first runs (default a second; tests 0, so it is done before they act). */
  firstTickAfterMs?: number;
}

/** How long a stop asked for during start waits for it (an adapter that never finishes starting must not block it). */
const STOP_WAITS_FOR_START_MS = 10_000;

/** Everything the bot is, wired once: storage, languages, features, the core and the adapters it talks through. */
export interface App {
  config: Config;
  clock: Clock;
  log: Logger;
  database: Database;
  i18n: I18nService;
  registry: Registry;
  core: BotCore;
  messenger: Messenger;
  people: PeopleService;
  municipalities: Municipalities;
  announcements: AnnouncementsService;
  /** Messages to people other than announcements, queued and retried (`notices.flush()` in tests). */
  notices: Notices;
  /** Who did what, when: role changes, announcements, reloads, exports, erasures (`/audit`). */
  audit: AuditLog;
  /** Translations people make in chat (Romani, corrections): sheets, checks, applying. */
  translations: TranslationService;
  /**
   * Prometheus metrics: updates handled, deliveries by outcome, queue depth. Kept only when HTTP_PORT serves them:
   * without it nothing could read them, and prom-client and the HTTP server are not even loaded.
   */
  metrics: Metrics | undefined;
  /** Whether the bot is up and its database answers (what /healthz reports). */
  health(): Promise<Health>;
  /** The port /healthz and /metrics are served on once started (HTTP_PORT), or undefined. */
  httpPort(): number | undefined;
  /** Starts the adapters, then the features' background work. */
  start(adapters: Adapter[]): Promise<void>;
  /** Stops adapters (finishing work in flight), background work, then closes the database. Safe to call twice. */
  stop(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

export async function createApp(options: AppOptions): Promise<App> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger;
  const database = options.database ?? (await openDatabase(config.database));
  await migrateToLatest(database.db, database.schema);
  const unwritable = await cannotWrite(database.db);
  if (unwritable) {
    await database.close();
    throw new Error(
      `the database at ${database.location} cannot be written (${unwritable}). Check the file's and its folder's permissions, ` +
        'the free disk space, or the PostgreSQL user\'s rights, then start again.',
    );
  }

  const i18n = await createI18n(undefined, { menuCoverage: config.languageMenuCoverage });
  const municipalities = Municipalities.load();
  const admins = new Set([...config.admins, ...(options.extraAdmins ?? [])]);
  const people = new PeopleService(database.db, { admins, languageFromHint: i18n.fromHint, dialect: database.dialect });
  const messenger = new Messenger();
  const registry = new Registry();

  const audit = new AuditLog(database.db, clock, log, (id) => people.effectiveRole(id));
  // One pace for everything the bot sends first on a platform: announcements and notices together; on PostgreSQL
  // shared by every instance through the database, so several instances keep together under the platform's limit.
  const limiter: SendPacer =
    options.announcements?.limiter ??
    (database.dialect === 'postgres'
      ? new SharedRateLimiter(database.db, log, options.announcements?.limits, options.announcements?.timer)
      : new RateLimiter(options.announcements?.limits, options.announcements?.timer));
  const notices = new Notices({
    db: database.db,
    dialect: database.dialect,
    clock,
    log,
    i18n,
    messenger,
    people,
    limiter,
    leaseMs: config.outboxLeaseMs,
    ...(options.announcements?.background === false ? { background: false } : {}),
  });
  const deps: FeatureDeps & { audit: AuditLog } = { db: database.db, dialect: database.dialect, clock, log, i18n, messenger, notices, people, municipalities, registry, config, audit, firstTickAfterMs: options.firstTickAfterMs };
  // Trust (roles, invites, linking, directory, privacy, audit): made first, registered after the others, because
  // registration hands role requests and `/start CODE` to it.
  const access = accessFeature(deps);
  registry.add(peopleFeature({ people, municipalities, registry, onRoleRequested: access.onRoleRequested, onStart: access.onStart, languages: i18n }));
  const programmes = programmesFeature(deps, {
    onReload: async (r) => {
      await audit.record({ actor: r.by, action: 'catalogue.reload', details: { ok: r.ok, count: r.count, added: r.added.length, changed: r.changed.length, removed: r.removed.length, errors: r.errors.length } });
      for (const t of r.takenOver) await audit.record({ actor: r.by, action: 'catalogue.publish', details: { programme: t.programmeId, version: t.version, change: 'file' } });
    },
    staffButtons: (ctx, p) => [catalogue.manageButton(ctx, p)],
  });
  registry.add(programmes);
  // Coordinators keep the catalogue current in chat: versions in the database over data/programmes.
  const catalogue = catalogueFeature(deps, { store: programmes.store, versions: programmes.versions });
  registry.add(catalogue);
  for (const t of await programmes.store.load(clock.now())) {
    await audit.record({ actor: null, action: 'catalogue.publish', details: { programme: t.programmeId, version: t.version, change: 'file' } });
  }
  // A published visit can be announced to the network: the announcements feature offers it.
  const visits = visitsFeature(deps, { onPublished: async (ctx, published) => announceVisitOffer(ctx, published.visit.id) });
  registry.add(visits);
  registry.add(ideasFeature(deps));
  registry.add(reportsFeature(deps));
  const announcements = announcementsFeature(deps, { leaseMs: config.outboxLeaseMs, ...options.announcements, limiter });
  announcements.service.setVisitAttendees((visitId) => visits.rsvps.attendees(visitId));
  registry.add(announcements);
  registry.add(access);
  registry.add(noticesFeature(deps));
  // Texts people translated (Romani) or corrected, from the database, before the first message is answered.
  const translations = translationsFeature(deps);
  registry.add(translations);
  await translations.service.refresh();

  const metrics = config.httpPort > 0 ? new (await import('./metrics.ts')).Metrics({ queueDepth: () => announcements.service.outbox.depth() }) : undefined;
  if (metrics) announcements.service.onOutcome((row, outcome) => metrics.delivery(row.platform, outcome));

  const core = new BotCore({
    db: database.db,
    registry,
    i18n,
    people,
    clock,
    log,
    rateLimiter: options.floodLimit === false ? undefined : new FloodLimiter(),
    messengerLimits: (platform) => messenger.capabilities(platform)?.maxActionLength,
    ...(metrics ? { onHandled: (incoming, outcome, seconds) => metrics.updateHandled(incoming.identity.platform, incoming.payload.type, outcome, seconds) } : {}),
    onReplies: (platform, count) => limiter.consume(platform, count),
    deliverLater: (address, replies, delayMs) => notices.toChat(address, replies, 'answer', delayMs),
    startLink: (platform, payload) => messenger.startLink(platform, payload),
    onChatMoved: (platform, from, to) => announcements.service.chatMoved(platform, from, to),
    sendPrivately: async (address, replies) => {
      try {
        for (const r of replies) await messenger.send(address, r, { keyed: true });
        return true;
      } catch (err) {
        log.warn({ platform: address.platform, failure: err instanceof Error ? err.message : String(err) }, 'could not write privately');
        return false;
      }
    },
  });
  messenger.prepare = (address, reply) => core.prepareOutbound(address, reply);

  let adapters: Adapter[] = [];
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  let starting: Promise<void> | undefined;
  const startNow = async (list: Adapter[]): Promise<void> => {
    if (metrics && !http) {
      const { startObservabilityServer } = await import('./observability.ts');
      http = await startObservabilityServer({ port: config.httpPort, metrics, health, log, routes: registry.features.flatMap((f) => f.http ?? []) });
    }
    adapters = list;
    for (const adapter of adapters) {
      messenger.register(adapter);
      await adapter.start(core);
    }
    for (const feature of registry.features) await feature.start?.();
    await core.sweep().catch((err) => log.warn({ err }, 'conversation sweep failed'));
    sweepTimer = setInterval(() => {
      core.sweep().catch((err) => log.warn({ err }, 'conversation sweep failed'));
    }, SWEEP_INTERVAL_MS);
    sweepTimer.unref();
  };
  let http: ObservabilityServer | undefined;
  const startedAt = Date.now();

  const health = async (): Promise<Health> => {
    const common = { uptimeSeconds: Math.round((Date.now() - startedAt) / 1000), adapters: messenger.platforms() };
    if (stopping) return { ok: false, ...common, database: 'closing' };
    try {
      const unwritable = await within(cannotWrite(database.db), 2000, 'the database');
      if (unwritable) return { ok: false, ...common, database: `cannot write: ${unwritable}` };
    } catch (err) {
      return { ok: false, ...common, database: err instanceof Error ? err.message : String(err) };
    }
    const outbox = announcements.service.deliveryHealth();
    if (!outbox.ok) return { ok: false, ...common, database: 'ok', outbox: outbox.reason };
    return { ok: true, ...common, database: 'ok', outbox: 'ok' };
  };

  return {
    config,
    clock,
    log,
    database,
    i18n,
    registry,
    core,
    messenger,
    people,
    municipalities,
    announcements: announcements.service,
    notices,
    audit,
    translations: translations.service,
    metrics,
    health,
    httpPort: () => http?.port,
    start(list) {
      // Assigned before any of it runs: an adapter may ask to stop from inside its own start.
      starting = Promise.resolve().then(() => startNow(list));
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        // A stop asked for while starting (the console's input ended before start-up work did) waits for it:
        // closing the database under the features' start would end the process with an error.
        if (starting) await Promise.race([starting.catch(() => undefined), new Promise((r) => setTimeout(r, STOP_WAITS_FOR_START_MS).unref())]);
        if (sweepTimer) clearInterval(sweepTimer);
        await http?.close();
        for (const adapter of adapters) {
          try {
            await adapter.stop();
          } catch (err) {
            log.error({ err, platform: adapter.platform }, 'adapter did not stop cleanly');
          }
          messenger.unregister(adapter.platform);
        }
        for (const feature of [...registry.features].reverse()) {
          try {
            await feature.stop?.();
          } catch (err) {
            log.error({ err, feature: feature.name }, 'feature did not stop cleanly');
          }
        }
        await database.close();
      })();
      return stopping;
    },
  };
}
