/**
 * Child processes of the chaos suite: the two services (bundled with esbuild, as the Dockerfiles
 * ship them, so a restart takes a fraction of a second) and a private redis-server. Every child is
 * registered, and killed when the suite ends, fails, or is interrupted.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createServer, Socket, type AddressInfo } from "node:net";
import { join } from "node:path";
import { build } from "esbuild";
import { IMAGE_NODE_FLAGS, IMAGE_NODE_OPTIONS } from "../image-node-options";

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every child still running; synchronous, so it also works from process.on("exit"). */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  live.clear();
}

function register(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", killAllChildren);
  }
}

/** A loopback port that was free a moment ago (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Bundles both services' own code into `outDir`, one file each like the images' dist/server.js, but
 * with node_modules left outside (a full bundle takes ~15 s on a busy machine; this takes well under
 * one): the children find the packages through NODE_PATH.
 */
export async function bundleServices(root: string, outDir: string): Promise<Record<ServiceName, string>> {
  const out = { caller: join(outDir, "caller.js"), responder: join(outDir, "responder.js") };
  await Promise.all(
    (Object.keys(out) as ServiceName[]).map((name) =>
      build({
        entryPoints: [join(root, "apps", name, "src", "server.ts")],
        bundle: true,
        platform: "node",
        target: "node20",
        sourcemap: true,
        packages: "external",
        outfile: out[name],
        logLevel: "error",
      }),
    ),
  );
  return out;
}

export type ServiceName = "caller" | "responder";

export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly atMs: number;
}

/** One running service process; its stdout/stderr go to a log file and a short in-memory tail. */
export class ServiceProcess {
  private readonly tail: string[] = [];
  readonly exited: Promise<ServiceExit>;

  private constructor(
    readonly name: ServiceName,
    readonly child: ChildProcess,
    readonly url: string,
    exited: Promise<ServiceExit>,
    tail: string[],
  ) {
    this.exited = exited;
    this.tail = tail;
  }

  /** Starts `script` with `env` and resolves once it prints "listening on <url>" (or fails after `timeoutMs`). */
  static async start(opts: {
    name: ServiceName;
    script: string;
    env: NodeJS.ProcessEnv;
    logFile: string;
    timeoutMs: number;
  }): Promise<ServiceProcess> {
    const child = spawn(process.execPath, [...IMAGE_NODE_OPTIONS, ...IMAGE_NODE_FLAGS, opts.script], {
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    register(child);
    const log: WriteStream = createWriteStream(opts.logFile, { flags: "a" });
    const tail: string[] = [];
    let pending = "";
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) tail.push(line);
      if (tail.length > 200) tail.splice(0, tail.length - 200);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    const exited = new Promise<ServiceExit>((resolve) =>
      child.once("exit", (code, signal) => {
        if (pending.trim()) tail.push(pending);
        log.end();
        resolve({ code, signal, atMs: performance.now() });
      }),
    );
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${opts.name} did not print "listening on" within ${opts.timeoutMs} ms; see ${opts.logFile}`));
      }, opts.timeoutMs);
      const watch = (chunk: Buffer) => {
        const match = /listening on (http:\/\/[^\s"\\]+)/.exec(chunk.toString("utf8"));
        if (!match) return;
        clearTimeout(timer);
        child.stdout!.off("data", watch);
        resolve(match[1]!);
      };
      child.stdout!.on("data", watch);
      void exited.then((e) => {
        clearTimeout(timer);
        reject(
          new Error(`${opts.name} exited (code ${e.code}, signal ${e.signal}) before listening; see ${opts.logFile}`),
        );
      });
    });
    return new ServiceProcess(opts.name, child, url, exited, tail);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last log lines (stdout and stderr interleaved). */
  lastLines(n: number): string[] {
    return this.tail.slice(-n);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<void> {
    this.signal("SIGKILL");
    await this.exited;
  }
}

/**
 * A private redis-server on a loopback port, so the suite may stop it (never the machine's Redis).
 * It requires AUTH like ElastiCache with transit encryption; `password` is read at every start, so
 * a restart after a rotation keeps the rotated password.
 */
export class RedisServer {
  private child?: ChildProcess;

  constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly password: () => string,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it, unless it runs already. */
  async start(timeoutMs = 5_000): Promise<void> {
    if (this.running) return;
    const child = spawn(
      "redis-server",
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(this.port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        this.dir,
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
        "--requirepass",
        this.password(),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    register(child);
    this.child = child;
    let output = "";
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const end = Date.now() + timeoutMs;
    while (!(await this.answersPing())) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${output.trim()}`);
      if (Date.now() > end) throw new Error(`redis-server did not answer on port ${this.port} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops it the hard way (like a crashed node): SIGKILL, no shutdown handshake. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  private async answersPing(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = new Socket();
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(500, () => done(false));
      socket.once("error", () => done(false));
      // Without AUTH, a live server answers NOAUTH: that is an answer too.
      socket.connect(this.port, "127.0.0.1", () => socket.write("PING\r\n"));
      socket.once("data", (d: Buffer) => done(/^(\+PONG|-NOAUTH)/.test(d.toString())));
    });
  }
}
