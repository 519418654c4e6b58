import { NsqjsShapeError } from './nsqjs-internals.js';

/** The events of nsqjs 0.13's NSQDConnection the controller listens to. */
export type NsqjsRdyConnectionEvent = 'ready' | 'closed' | 'message' | 'finished' | 'requeued' | 'backoff';

/**
 * What the controller needs of one nsqjs reader connection (nsqjs 0.13's
 * NSQDConnection): nothing else of it is read or called.
 */
export interface NsqjsRdyConnection {
  /** nsqd's `max_rdy_count` from IDENTIFY; known once the connection is 'ready'. */
  readonly maxRdyCount: number;
  /** Writes `RDY <count>`. */
  setRdy(count: number): void;
  close(): void;
  /**
   * 'ready': SUB acknowledged; 'closed': gone (once); 'message': one delivery;
   * 'finished' / 'requeued': a FIN / REQ was written for one of its messages
   * (also after 'closed'); 'backoff': a message was requeued with backoff.
   */
  on(event: NsqjsRdyConnectionEvent, listener: () => void): unknown;
}

/** How the controller spends its budget; durations in milliseconds. */
export interface NsqjsRdyControllerOptions {
  /** Messages in flight at once over all connections of the reader. */
  readonly maxInFlight: number;
  /** Longest channel-wide backoff pause; 0 turns backoff off. */
  readonly maxBackoffDurationMs: number;
  /**
   * First backoff pause; each further failure doubles it, up to `maxBackoffDurationMs`.
   * @default 1000
   */
  readonly backoffUnitMs?: number;
  /**
   * How often the rotating RDY is reconsidered: a holder that received nothing
   * during a whole interval gives it up.
   * @default 1000
   */
  readonly rotateIntervalMs?: number;
  /**
   * With fewer messages in flight allowed than connections, the longest a busy
   * connection keeps its RDY while others wait, in rotate intervals.
   * @default 10
   */
  readonly maxTurnIntervals?: number;
  /**
   * How long a lowered RDY keeps counting at its old value (nsqd may still send
   * under it until it reads the new one).
   * @default 500
   */
  readonly rdySettleMs?: number;
}

const DEFAULTS = { backoffUnitMs: 1_000, rotateIntervalMs: 1_000, maxTurnIntervals: 10, rdySettleMs: 500 } as const;

type Resolved = Required<NsqjsRdyControllerOptions>;

/** The controller's view of one connection. */
interface Tracked {
  readonly conn: NsqjsRdyConnection;
  /** SUB acknowledged and not closed: may be given RDY. */
  ready: boolean;
  closed: boolean;
  /** The RDY last written. */
  rdy: number;
  /** A higher RDY written before `rdy`, which nsqd may still be applying (0: none). */
  unsettledRdy: number;
  settleTimer: NodeJS.Timeout | undefined;
  /** Delivered and not yet FIN/REQ'd. */
  inFlight: number;
  /** Holds one of the rotating shares (the remainder of maxInFlight / connections). */
  share: boolean;
  /** Tick at which it got its share. */
  shareSince: number;
  /** Rotate intervals it has held its share with RDY (a share the budget kept at RDY 0 is no turn yet). */
  turnIntervals: number;
  /** Order in the queue for a share: lower has waited longer. */
  waitingSince: number;
  /** Messages received since the last tick. */
  messagesSinceTick: number;
  /** Its RDY at the last tick: a connection without RDY then could not have received anything. */
  rdyAtTick: number;
}

type BackoffPhase = 'off' | 'pause' | 'probe';

/** nsqjs 0.13 Reader's undeclared parts `install` reads and replaces. */
interface ReaderInternals {
  readerRdy?: { addConnection?: unknown; connections?: unknown };
  config?: { maxInFlight?: unknown; maxBackoffDuration?: unknown };
}

/**
 * Distributes a Reader's `maxInFlight` over its nsqd connections with RDY, in
 * place of nsqjs 0.13's ReaderRdy (which reads a property that does not exist,
 * so over several nsqds the total RDY stays below maxInFlight, and which gives
 * a new connection RDY while the others keep theirs, so more handlers run at
 * once than maxInFlight).
 *
 * The budget. Every connection's `potential` is what it may hold in flight:
 * max(its in-flight, its RDY, a higher RDY nsqd may not have read yet).
 * Messages of a closed connection count until their FIN/REQ. A connection's
 * RDY is only raised within maxInFlight minus the others' potential, so the
 * sum of potentials — and with it the messages handed to handlers at once —
 * never exceeds maxInFlight. Lowering is immediate, but a lowered connection
 * keeps counting at its old RDY for `rdySettleMs` (nsqd may have sent under it
 * already), unless its in-flight already fills the old RDY: then nsqd cannot
 * send again before it reads our later FINs, which it reads after the RDY.
 *
 * The split. Over the n connections opened (ready or still handshaking, so
 * that the first to subscribe does not take everything and then have to give
 * it back), each gets floor(maxInFlight / n); the remainder is handed out as
 * shares of 1 to ready connections, at most one each, capped at nsqd's
 * `max_rdy_count`. When maxInFlight < n the base is 0 and the shares rotate,
 * as go-nsq does: every `rotateIntervalMs` a holder that had RDY for the whole
 * interval, received nothing and holds nothing gives its share up, and so does
 * a holder that kept it for `maxTurnIntervals` while others waited; freed
 * shares go to the connections that have waited longest. So every nsqd gets
 * its turn. With maxInFlight >= n a share only moves from an idle holder to a
 * connection that is busy without one.
 *
 * Backoff (channel-wide, like go-nsq's): a message requeued with backoff raises
 * the level by one and pauses: RDY 0 everywhere for backoffUnit × 2^(level−1)
 * (at most `maxBackoffDurationMs`; failures during a pause are ignored), then
 * RDY 1 on one connection, taken in turn. Each FIN while probing lowers the
 * level by one — back to full RDY at level 0, otherwise another, shorter
 * pause; another failure raises it again.
 *
 * `pause()` (the server's drain) sets RDY 0 everywhere until `unpause()`, over
 * backoff and rotation alike.
 *
 * @example
 * ```ts
 * class MyReader extends Reader {
 *   constructor(topic: string, channel: string, config: ReaderConnectionConfigOptions) {
 *     super(topic, channel, config);
 *     NsqjsRdyController.install(this);
 *   }
 * }
 * ```
 */
export class NsqjsRdyController {
  private readonly options: Resolved;
  /** Connections not closed, in the order they were added. */
  private readonly live: Tracked[] = [];
  /** The same, by connection (a lookup per message: {@link soleMessageOn}). */
  private readonly byConnection = new Map<NsqjsRdyConnection, Tracked>();
  /** In-flight messages of closed connections. */
  private closedInFlight = 0;
  private paused = false;
  private closed = false;
  /** Some ready connection is below its target: settlements should redistribute. */
  private deficit = false;
  private ticks = 0;
  private ticker: NodeJS.Timeout | undefined;
  private queueSeq = 0;
  private backoffLevel = 0;
  private backoffPhase: BackoffPhase = 'off';
  private backoffTimer: NodeJS.Timeout | undefined;
  private probe: Tracked | undefined;
  private probeCursor = 0;

  constructor(options: NsqjsRdyControllerOptions) {
    this.options = { ...DEFAULTS, ...options };
  }

  /**
   * Replaces `reader.readerRdy` (nsqjs 0.13's ReaderRdy) with a controller
   * built from the reader's validated config. Call it in the Reader subclass's
   * constructor, before `connect()`.
   */
  static install(reader: object): NsqjsRdyController {
    const internals = reader as ReaderInternals;
    const current = internals.readerRdy;
    const config = internals.config;
    if (
      typeof current?.addConnection !== 'function' ||
      !Array.isArray(current.connections) ||
      typeof config?.maxInFlight !== 'number' ||
      typeof config.maxBackoffDuration !== 'number'
    ) {
      throw new NsqjsShapeError('nsqjs Reader internals changed (readerRdy, config.maxInFlight, config.maxBackoffDuration): cannot install the RDY controller');
    }
    if (current.connections.length > 0) throw new NsqjsShapeError('the RDY controller must be installed before the Reader connects');
    const controller = new NsqjsRdyController({ maxInFlight: config.maxInFlight, maxBackoffDurationMs: config.maxBackoffDuration * 1000 });
    internals.readerRdy = controller;
    return controller;
  }

  /** Takes charge of a connection's RDY; called by the Reader before the connection connects. */
  addConnection(conn: NsqjsRdyConnection): void {
    const tracked: Tracked = {
      conn,
      ready: false,
      closed: false,
      rdy: 0,
      unsettledRdy: 0,
      settleTimer: undefined,
      inFlight: 0,
      share: false,
      shareSince: 0,
      turnIntervals: 0,
      waitingSince: 0,
      messagesSinceTick: 0,
      rdyAtTick: 0,
    };
    this.live.push(tracked);
    this.byConnection.set(conn, tracked);
    conn.on('ready', () => this.onReady(tracked));
    conn.on('closed', () => this.onClosed(tracked));
    conn.on('message', () => {
      tracked.inFlight += 1;
      tracked.messagesSinceTick += 1;
    });
    conn.on('finished', () => this.onSettled(tracked, true));
    conn.on('requeued', () => this.onSettled(tracked, false));
    conn.on('backoff', () => this.onBackoff());
    // One more connection lowers everyone's share now, while it handshakes:
    // by the time it may receive RDY the others' lower RDY has long been read.
    this.rebalance();
  }

  /** RDY 0 on every connection until `unpause()`; what was sent still arrives. */
  pause(): void {
    this.paused = true;
    this.distribute();
  }

  unpause(): void {
    this.paused = false;
    this.distribute();
  }

  isPaused(): boolean {
    return this.paused;
  }

  /**
   * Whether nsqd sends `conn` nothing more until the message it is delivering
   * now is answered: nothing else of `conn` is unanswered and its RDY allows
   * one message at most (maxInFlight 1, or a share of 1 over several nsqds).
   * Counts as of when its listeners last ran: a 'message' listener added
   * before {@link addConnection} ran (the Reader registers its connection
   * listeners first) asks before that message is counted. False for a
   * connection closed or not added.
   */
  soleMessageOn(conn: NsqjsRdyConnection): boolean {
    const tracked = this.byConnection.get(conn);
    return tracked !== undefined && tracked.inFlight === 0 && tracked.rdy <= 1;
  }

  /** The connections not closed, ready or still handshaking (diagnostics: the soak test counts their listeners). */
  get connections(): readonly NsqjsRdyConnection[] {
    return this.live.map((tracked) => tracked.conn);
  }

  /** Stops every timer and closes the connections; one still handshaking is closed once it subscribes. */
  close(): void {
    this.closed = true;
    clearInterval(this.ticker);
    clearTimeout(this.backoffTimer);
    for (const tracked of [...this.live]) {
      clearTimeout(tracked.settleTimer);
      if (tracked.ready) tracked.conn.close();
    }
  }

  private onReady(tracked: Tracked): void {
    if (tracked.closed) return;
    if (this.closed) {
      tracked.conn.close();
      return;
    }
    tracked.ready = true;
    tracked.waitingSince = ++this.queueSeq;
    if (this.backoffPhase === 'probe' && this.probe === undefined) this.probe = tracked;
    this.ticker ??= setInterval(() => this.tick(), this.options.rotateIntervalMs).unref();
    this.rebalance();
  }

  private onClosed(tracked: Tracked): void {
    if (tracked.closed) return;
    tracked.closed = true;
    tracked.ready = false;
    tracked.share = false;
    clearTimeout(tracked.settleTimer);
    this.live.splice(this.live.indexOf(tracked), 1);
    this.byConnection.delete(tracked.conn);
    // Its handlers may still be running: their messages count until FIN/REQ.
    this.closedInFlight += tracked.inFlight;
    if (this.backoffPhase === 'probe' && this.probe === tracked) this.probe = this.nextProbe();
    if (!this.closed) this.rebalance();
  }

  private onSettled(tracked: Tracked, finished: boolean): void {
    if (tracked.inFlight > 0) {
      tracked.inFlight -= 1;
      if (tracked.closed) this.closedInFlight -= 1;
    }
    if (this.closed) return;
    if (finished && this.backoffPhase === 'probe') {
      this.backoffLevel -= 1;
      if (this.backoffLevel > 0) {
        this.startBackoffPause();
        return;
      }
      this.backoffPhase = 'off';
      this.probe = undefined;
      this.distribute();
      return;
    }
    // Budget freed: only worth a pass when some connection waits for it.
    if (this.deficit) this.distribute();
  }

  private onBackoff(): void {
    if (this.closed || this.options.maxBackoffDurationMs <= 0) return;
    // As go-nsq: failures of messages already in flight do not stack up during a pause.
    if (this.backoffPhase === 'pause') return;
    // Grow until the pause reaches its bound; further failures keep it there.
    if (this.backoffLevel === 0 || this.backoffDelay(this.backoffLevel) < this.options.maxBackoffDurationMs) this.backoffLevel += 1;
    this.startBackoffPause();
  }

  private startBackoffPause(): void {
    this.backoffPhase = 'pause';
    this.probe = undefined;
    clearTimeout(this.backoffTimer);
    this.backoffTimer = setTimeout(() => {
      this.backoffPhase = 'probe';
      this.probe = this.nextProbe();
      this.distribute();
    }, this.backoffDelay(this.backoffLevel)).unref();
    this.distribute();
  }

  private backoffDelay(level: number): number {
    return Math.min(this.options.backoffUnitMs * 2 ** (level - 1), this.options.maxBackoffDurationMs);
  }

  /** The ready connections in turn, so a probe does not always land on the same nsqd. */
  private nextProbe(): Tracked | undefined {
    const ready = this.live.filter((t) => t.ready);
    if (ready.length === 0) return undefined;
    return ready[this.probeCursor++ % ready.length];
  }

  /** Every rotate interval: idle (or, when RDY is scarce, long-kept) shares go to connections waiting for one. */
  private tick(): void {
    this.ticks += 1;
    if (!this.paused && this.backoffPhase === 'off') {
      const ready = this.live.filter((t) => t.ready);
      for (const holder of ready) if (holder.share && holder.rdyAtTick > 0) holder.turnIntervals += 1;
      const waiting = ready.filter((t) => !t.share);
      if (waiting.length > 0) {
        // Below one RDY per connection nobody can tell which nsqds have messages: rotate blindly.
        const scarce = this.baseShare() === 0;
        // Otherwise everyone has RDY: a share only moves to a connection that showed it can use it.
        let movable = scarce ? waiting.length : waiting.filter((t) => t.messagesSinceTick > 0).length;
        for (const holder of ready) {
          if (!holder.share || movable === 0) continue;
          const idle = holder.rdyAtTick > 0 && holder.rdy > 0 && holder.messagesSinceTick === 0 && holder.inFlight === 0;
          const turnOver = scarce && holder.turnIntervals >= this.options.maxTurnIntervals;
          if (idle || turnOver) {
            this.dropShare(holder);
            movable -= 1;
          }
        }
      }
      this.rebalance();
    }
    for (const tracked of this.live) {
      tracked.messagesSinceTick = 0;
      tracked.rdyAtTick = tracked.rdy;
    }
  }

  private baseShare(): number {
    return this.live.length === 0 ? 0 : Math.floor(this.options.maxInFlight / this.live.length);
  }

  private dropShare(tracked: Tracked): void {
    tracked.share = false;
    tracked.waitingSince = ++this.queueSeq;
  }

  /** Hands out the remainder shares to fit the current number of connections, then applies the targets. */
  private rebalance(): void {
    if (this.closed) return;
    const shares = this.live.length === 0 ? 0 : this.options.maxInFlight % this.live.length;
    const holders = this.live.filter((t) => t.share).sort((a, b) => a.shareSince - b.shareSince);
    // Fewer shares than holders (the number of connections changed): the longest holders give theirs back.
    for (const holder of holders.splice(0, Math.max(0, holders.length - shares))) this.dropShare(holder);
    if (holders.length < shares) {
      // The longest waiting first; when everyone has RDY, busy connections
      // before them (they showed they can use it; without RDY none can show it).
      const busyFirst = this.baseShare() > 0;
      const busy = (t: Tracked) => (busyFirst && t.messagesSinceTick > 0 ? 1 : 0);
      const candidates = this.live.filter((t) => t.ready && !t.share).sort((a, b) => busy(b) - busy(a) || a.waitingSince - b.waitingSince);
      for (const candidate of candidates.slice(0, shares - holders.length)) {
        candidate.share = true;
        candidate.shareSince = this.ticks;
        candidate.turnIntervals = 0;
      }
    }
    this.distribute();
  }

  private target(tracked: Tracked, base: number): number {
    if (this.paused || !tracked.ready) return 0;
    if (this.backoffPhase === 'pause') return 0;
    if (this.backoffPhase === 'probe') return tracked === this.probe ? 1 : 0;
    const wanted = base + (tracked.share ? 1 : 0);
    // RDY above nsqd's --max-rdy-count is a fatal protocol error.
    const max = tracked.conn.maxRdyCount;
    return Number.isFinite(max) ? Math.max(0, Math.min(wanted, max)) : wanted;
  }

  /** Lowers every connection above its target, then raises those below it as far as the budget allows. */
  private distribute(): void {
    if (this.closed) return;
    const base = this.baseShare();
    for (const tracked of this.live) {
      const target = this.target(tracked, base);
      if (tracked.ready && target < tracked.rdy) this.setRdy(tracked, target);
    }
    let committed = this.closedInFlight;
    for (const tracked of this.live) committed += potential(tracked);
    let deficit = false;
    for (const tracked of this.live) {
      if (!tracked.ready) continue;
      const target = this.target(tracked, base);
      if (target <= tracked.rdy) continue;
      const others = committed - potential(tracked);
      const allowed = Math.min(target, this.options.maxInFlight - others);
      if (allowed > tracked.rdy) {
        this.setRdy(tracked, allowed);
        committed = others + potential(tracked);
      }
      if (tracked.rdy < target) deficit = true;
    }
    this.deficit = deficit;
  }

  private setRdy(tracked: Tracked, count: number): void {
    if (count < tracked.rdy && tracked.inFlight < tracked.rdy) {
      // nsqd may send under the old RDY until it reads this one: keep counting it for a while.
      tracked.unsettledRdy = Math.max(tracked.unsettledRdy, tracked.rdy);
      clearTimeout(tracked.settleTimer);
      tracked.settleTimer = setTimeout(() => {
        tracked.unsettledRdy = 0;
        tracked.settleTimer = undefined;
        this.distribute();
      }, this.options.rdySettleMs).unref();
    }
    tracked.rdy = count;
    tracked.conn.setRdy(count);
  }
}

/** What a connection may hold in flight at most, given what it has and what nsqd may still send it. */
function potential(tracked: Tracked): number {
  return Math.max(tracked.inFlight, tracked.rdy, tracked.unsettledRdy);
}
