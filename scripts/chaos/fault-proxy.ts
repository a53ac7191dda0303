/**
 * A small TCP fault proxy on loopback: it sits between an app and one dependency (MySQL, Redis, the
 * responder) and, on command, delays, swallows, refuses or resets the traffic, or answers in the
 * dependency's place. Used by the apps' fault tests and `npm run chaos`. It listens on 127.0.0.1 only.
 */
import net from "node:net";

export type Fault =
  | { kind: "pass" }
  /** Delay every chunk in both directions. */
  | { kind: "latency"; ms: number }
  /** Accept, then swallow bytes both ways, never reply, no RST (existing connections go silent too). */
  | { kind: "blackhole" }
  /** New connections are reset at once; existing ones keep working. */
  | { kind: "refuse" }
  /** RST every open connection now, and every new one (drop mid-write). */
  | { kind: "reset" }
  /**
   * Answer in the dependency's place: every chunk the client sends (a request) goes to `respond`,
   * which writes what the client gets back; nothing reaches the dependency while this lasts.
   */
  | { kind: "respond"; respond: (client: net.Socket, request: Buffer) => void };

export interface FaultProxyOptions {
  readonly targetHost: string;
  readonly targetPort: number;
  /** @default 0 - an ephemeral port */
  readonly listenPort?: number;
}

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  readonly timers: Set<NodeJS.Timeout>;
}

export class FaultProxy {
  private fault: Fault = { kind: "pass" };
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: net.Server,
    private readonly opts: FaultProxyOptions,
    readonly port: number,
  ) {
    server.on("connection", (client) => this.accept(client));
  }

  static start(opts: FaultProxyOptions): Promise<FaultProxy> {
    const server = net.createServer({ pauseOnConnect: false });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.listenPort ?? 0, "127.0.0.1", () => {
        server.off("error", reject);
        const address = server.address() as net.AddressInfo;
        resolve(new FaultProxy(server, opts, address.port));
      });
    });
  }

  setFault(fault: Fault): void {
    this.fault = fault;
    if (fault.kind === "reset") {
      for (const pair of [...this.pairs]) this.resetPair(pair);
    }
  }

  connections(): number {
    return this.pairs.size;
  }

  close(): Promise<void> {
    for (const pair of [...this.pairs]) this.destroyPair(pair);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.fault.kind === "refuse" || this.fault.kind === "reset") {
      client.on("error", () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: this.opts.targetHost, port: this.opts.targetPort });
    const pair: Pair = { client, upstream, timers: new Set() };
    this.pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.pipe(pair, client, upstream);
    this.pipe(pair, upstream, client);
    // Either side failing or ending tears the pair down, the way a real middlebox would.
    const teardown = (): void => this.destroyPair(pair);
    client.on("error", teardown).on("close", teardown);
    upstream.on("error", () => this.resetPair(pair)).on("close", teardown);
  }

  private pipe(pair: Pair, from: net.Socket, to: net.Socket): void {
    from.on("data", (chunk: Buffer) => {
      const fault = this.fault;
      if (fault.kind === "respond") {
        if (from === pair.client && !from.destroyed) fault.respond(from, chunk);
        return;
      }
      this.forward(pair, () => to.write(chunk), to);
    });
    // A blackhole hides the half-close too; latency delays it behind the data it follows.
    from.on("end", () => this.forward(pair, () => to.end(), to));
  }

  private forward(pair: Pair, send: () => void, to: net.Socket): void {
    const fault = this.fault;
    if (fault.kind === "blackhole") return;
    const sendIfOpen = (): void => {
      if (!to.destroyed) send();
    };
    if (fault.kind === "latency" && fault.ms > 0) {
      const timer = setTimeout(() => {
        pair.timers.delete(timer);
        sendIfOpen();
      }, fault.ms);
      pair.timers.add(timer);
      return;
    }
    sendIfOpen();
  }

  private resetPair(pair: Pair): void {
    this.clearTimers(pair);
    this.pairs.delete(pair);
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    if (!pair.upstream.destroyed) pair.upstream.resetAndDestroy();
  }

  private destroyPair(pair: Pair): void {
    this.clearTimers(pair);
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }

  private clearTimers(pair: Pair): void {
    for (const timer of pair.timers) clearTimeout(timer);
    pair.timers.clear();
  }
}
