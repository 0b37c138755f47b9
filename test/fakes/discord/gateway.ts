// The fake gateway: HELLO, IDENTIFY → READY (+ GUILD_CREATE), heartbeats, RESUME with replay, dispatches with
// sequence numbers, and the optional compressions @discordjs/ws may ask for (zlib-stream transport, identify compress).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { constants as zlibConstants, createDeflate, deflateSync, type Deflate } from 'node:zlib';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { randomHex } from './util.ts';

type Json = Record<string, any>;

export interface GatewayPayload {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

/** Something that happened on the gateway, for tests that assert on connection behaviour. */
export type GatewayEvent =
  | { type: 'connect'; at: number; path: string; query: Record<string, string> }
  | { type: 'identify'; at: number; sessionId: string; intents: number; compress: boolean }
  | { type: 'resume'; at: number; sessionId: string; seq: number; replayed: number; path: string }
  | { type: 'resume-failed'; at: number; sessionId: string }
  | { type: 'close'; at: number; code: number; sessionId: string | null; by: 'client' | 'server' };

export interface GatewaySession {
  readonly id: string;
  readonly intents: number;
  readonly identify: Json;
  seq: number;
  resumable: boolean;
  log: GatewayPayload[];
  conn: GatewayConnection | null;
}

export interface GatewayHost {
  /** When set, IDENTIFY/RESUME with another token is closed with 4004. */
  token: string | undefined;
  heartbeatIntervalMs: number;
  buildReady(session: GatewaySession): Json;
  guildCreates(session: GatewaySession): Json[];
  changed(): void;
}

class ZlibStream {
  private readonly deflate: Deflate = createDeflate({ chunkSize: 65535 });
  private chunks: Buffer[] = [];

  constructor() {
    this.deflate.on('data', (chunk: Buffer) => this.chunks.push(chunk));
  }

  encode(text: string): Promise<Buffer> {
    return new Promise((resolve) => {
      this.deflate.write(text);
      this.deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        resolve(out);
      });
    });
  }

  close(): void {
    this.deflate.close();
  }
}

export class GatewayConnection {
  session: GatewaySession | null = null;
  identifyCompress = false;
  closedByServer = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly ws: WebSocket,
    readonly path: string,
    private readonly zlib: ZlibStream | null,
  ) {}

  send(payload: GatewayPayload): void {
    const text = JSON.stringify(payload);
    this.chain = this.chain
      .then(async () => {
        if (this.ws.readyState !== WebSocket.OPEN) return;
        if (this.zlib) this.ws.send(await this.zlib.encode(text));
        else if (this.identifyCompress) this.ws.send(deflateSync(text));
        else this.ws.send(text);
      })
      .catch(() => undefined);
  }

  /** Resolves once everything queued so far has been handed to the socket. */
  flushed(): Promise<void> {
    return this.chain;
  }

  close(code: number, reason = ''): void {
    this.closedByServer = true;
    void this.chain.then(() => {
      if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
    });
  }

  dispose(): void {
    this.zlib?.close();
  }
}

export class FakeGateway {
  readonly wss = new WebSocketServer({ noServer: true });
  readonly sessions = new Map<string, GatewaySession>();
  readonly connections = new Set<GatewayConnection>();
  readonly events: GatewayEvent[] = [];
  /** Every payload the client sent (tokens included), in order. */
  readonly received: Array<{ at: number; payload: Json }> = [];

  constructor(private readonly host: GatewayHost) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const zlib = query.compress === 'zlib-stream' ? new ZlibStream() : null;
    const conn = new GatewayConnection(ws, url.pathname, zlib);
    this.connections.add(conn);
    this.events.push({ type: 'connect', at: Date.now(), path: url.pathname, query });
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    ws.on('close', (code) => this.onClose(conn, code));
    this.host.changed();
    if (query.v !== '10' && query.v !== '9') {
      conn.close(4012, 'Invalid API version.');
      return;
    }
    if (query.encoding !== undefined && query.encoding !== 'json') {
      // The fake speaks JSON only (discord.js uses JSON unless told otherwise).
      conn.close(4002, 'Error while decoding payload.');
      return;
    }
    if (query.compress !== undefined && query.compress !== 'zlib-stream') {
      conn.close(4002, 'Unsupported compression.');
      return;
    }
    conn.send({ op: 10, d: { heartbeat_interval: this.host.heartbeatIntervalMs, _trace: ['["fake-gateway",{"micros":1}]'] }, s: null, t: null });
  }

  private onMessage(conn: GatewayConnection, data: RawData, isBinary: boolean): void {
    let payload: Json;
    try {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      if (isBinary && text.charCodeAt(0) !== 123) throw new Error('binary');
      payload = JSON.parse(text);
      if (typeof payload !== 'object' || payload === null) throw new Error('shape');
    } catch {
      conn.close(4002, 'Error while decoding payload.');
      return;
    }
    this.received.push({ at: Date.now(), payload });
    const d = payload.d as Json | null;
    switch (payload.op) {
      case 1:
        conn.send({ op: 11, d: null, s: null, t: null });
        break;
      case 2:
        this.identify(conn, d ?? {});
        break;
      case 6:
        this.resume(conn, d ?? {});
        break;
      case 3:
      case 4:
      case 8:
      case 31:
        if (!conn.session) conn.close(4003, 'Not authenticated.');
        break;
      default:
        conn.close(4001, 'Unknown opcode.');
    }
    this.host.changed();
  }

  /** IDENTIFY and RESUME alike: once per connection, with the right token (closing with Discord's codes otherwise). */
  private authenticate(conn: GatewayConnection, d: Json): boolean {
    if (conn.session) {
      conn.close(4005, 'Already authenticated.');
      return false;
    }
    if (typeof d.token !== 'string' || (this.host.token !== undefined && d.token !== this.host.token)) {
      conn.close(4004, 'Authentication failed.');
      return false;
    }
    return true;
  }

  private identify(conn: GatewayConnection, d: Json): void {
    if (!this.authenticate(conn, d)) return;
    if (typeof d.intents !== 'number') {
      conn.close(4013, 'Invalid intent(s).');
      return;
    }
    const session: GatewaySession = {
      id: randomHex(16),
      intents: d.intents,
      identify: d,
      seq: 0,
      resumable: true,
      log: [],
      conn,
    };
    conn.session = session;
    conn.identifyCompress = d.compress === true;
    this.sessions.set(session.id, session);
    this.events.push({ type: 'identify', at: Date.now(), sessionId: session.id, intents: d.intents, compress: d.compress === true });
    this.sessionDispatch(session, 'READY', this.host.buildReady(session));
    for (const guild of this.host.guildCreates(session)) this.sessionDispatch(session, 'GUILD_CREATE', guild);
  }

  private resume(conn: GatewayConnection, d: Json): void {
    if (!this.authenticate(conn, d)) return;
    const session = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    if (!session || !session.resumable) {
      this.events.push({ type: 'resume-failed', at: Date.now(), sessionId: String(d.session_id) });
      conn.send({ op: 9, d: false, s: null, t: null });
      return;
    }
    const seq = typeof d.seq === 'number' ? d.seq : 0;
    if (seq > session.seq) {
      conn.close(4007, 'Invalid seq.');
      return;
    }
    const previous = session.conn;
    if (previous && previous !== conn) {
      previous.session = null;
      previous.close(4009, 'Session timed out.');
    }
    session.conn = conn;
    conn.session = session;
    conn.identifyCompress = session.identify.compress === true;
    const missed = session.log.filter((p) => (p.s ?? 0) > seq);
    for (const p of missed) conn.send(p);
    this.events.push({ type: 'resume', at: Date.now(), sessionId: session.id, seq, replayed: missed.length, path: conn.path });
    this.sessionDispatch(session, 'RESUMED', { _trace: ['["fake-gateway",{"micros":1}]'] });
  }

  private onClose(conn: GatewayConnection, code: number): void {
    this.connections.delete(conn);
    conn.dispose();
    const session = conn.session;
    if (session && session.conn === conn) {
      session.conn = null;
      // A 1000/1001 close ends the session for good (discord.js then identifies afresh instead of resuming).
      if (code === 1000 || code === 1001) session.resumable = false;
    }
    this.events.push({ type: 'close', at: Date.now(), code, sessionId: session?.id ?? null, by: conn.closedByServer ? 'server' : 'client' });
    this.host.changed();
  }

  sessionDispatch(session: GatewaySession, t: string, d: unknown): number {
    const payload: GatewayPayload = { op: 0, t, s: ++session.seq, d };
    session.log.push(payload);
    if (session.log.length > 5000) session.log.shift();
    session.conn?.send(payload);
    return payload.s ?? 0;
  }

  /** Sessions that still receive (or queue, for a resume) dispatches. */
  liveSessions(): GatewaySession[] {
    return [...this.sessions.values()].filter((s) => s.resumable);
  }

  /** Connected and identified/resumed right now. */
  get connected(): boolean {
    return [...this.sessions.values()].some((s) => s.resumable && s.conn !== null && s.conn.ws.readyState === WebSocket.OPEN);
  }

  dispatch(t: string, d: unknown, filter: (s: GatewaySession) => boolean = () => true): number {
    const targets = this.liveSessions().filter(filter);
    for (const session of targets) this.sessionDispatch(session, t, d);
    this.host.changed();
    return targets.length;
  }

  sendOp(op: number, d: unknown): void {
    for (const conn of this.connections) conn.send({ op, d, s: null, t: null });
  }

  async drop(options: { code?: number; reason?: string; invalidateSession?: boolean } = {}): Promise<void> {
    const conns = [...this.connections];
    const closed = conns.map(
      (conn) =>
        new Promise<void>((resolve) => {
          if (conn.ws.readyState === WebSocket.CLOSED) return resolve();
          conn.ws.once('close', () => resolve());
        }),
    );
    for (const conn of conns) {
      if (options.invalidateSession && conn.session) conn.session.resumable = false;
      conn.closedByServer = true;
      if (options.code === undefined) conn.ws.terminate();
      else conn.close(options.code, options.reason ?? '');
    }
    await Promise.all(closed);
  }

  async close(): Promise<void> {
    for (const conn of this.connections) {
      conn.closedByServer = true;
      conn.ws.terminate();
      conn.dispose();
    }
    this.connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
