import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../../scripts/chaos/fault-proxy";

let echo: net.Server;
let echoPort: number;
const opened: net.Socket[] = [];

beforeAll(async () => {
  echo = net.createServer((socket) => {
    socket.on("error", () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
  echoPort = (echo.address() as AddressInfo).port;
});

afterAll(async () => {
  echo.close();
});

let proxy: FaultProxy;
afterEach(async () => {
  for (const s of opened.splice(0)) s.destroy();
  await proxy?.close();
});

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.once("error", reject);
    opened.push(socket);
  });
}

/** Sends `text` and resolves with what came back within `ms`, or the socket's error. */
function roundTrip(
  socket: net.Socket,
  text: string,
  ms = 1_000,
): Promise<{ reply: string; error?: string; elapsedMs: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let reply = "";
    const done = (error?: string) => {
      clearTimeout(timer);
      socket.off("data", onData);
      resolve({ reply, error, elapsedMs: Date.now() - started });
    };
    const onData = (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.length >= text.length) done();
    };
    const timer = setTimeout(() => done("timeout"), ms);
    socket.on("data", onData);
    socket.once("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    socket.once("close", () => done(reply.length ? undefined : "closed"));
    socket.write(text);
  });
}

describe("FaultProxy", () => {
  it("when the fault is pass, then bytes flow both ways on 127.0.0.1", async () => {
    proxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: echoPort });
    const socket = await connect(proxy.port);
    expect(socket.remoteAddress).toBe("127.0.0.1");
    expect(await roundTrip(socket, "hello")).toMatchObject({ reply: "hello", error: undefined });
    expect(proxy.connections()).toBe(1);
  });

  it("when latency is set, then every chunk is delayed in both directions, existing connections included", async () => {
    proxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: echoPort });
    const socket = await connect(proxy.port);
    expect((await roundTrip(socket, "a")).elapsedMs).toBeLessThan(150);
    proxy.setFault({ kind: "latency", ms: 150 });
    const slow = await roundTrip(socket, "bb");
    expect(slow.reply).toBe("bb");
    // once on the way in, once on the way out
    expect(slow.elapsedMs).toBeGreaterThanOrEqual(290);
  });

  it("when blackholed, then an open connection goes silent without a reset, and a new one is accepted but never answered", async () => {
    proxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: echoPort });
    const existing = await connect(proxy.port);
    proxy.setFault({ kind: "blackhole" });
    expect(await roundTrip(existing, "x", 400)).toMatchObject({ reply: "", error: "timeout" });
    const fresh = await connect(proxy.port);
    expect(await roundTrip(fresh, "y", 400)).toMatchObject({ reply: "", error: "timeout" });
    expect(proxy.connections()).toBe(2);
    proxy.setFault({ kind: "pass" });
    expect(await roundTrip(fresh, "z")).toMatchObject({ reply: "z" });
  });

  it("when refusing, then new connections are reset at once and existing ones keep working", async () => {
    proxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: echoPort });
    const existing = await connect(proxy.port);
    proxy.setFault({ kind: "refuse" });
    const fresh = await connect(proxy.port).catch((err: NodeJS.ErrnoException) => err);
    if (fresh instanceof net.Socket) {
      expect((await roundTrip(fresh, "q", 1_000)).error).toMatch(/ECONNRESET|closed/);
    } else {
      expect(fresh.code).toBe("ECONNRESET");
    }
    expect(await roundTrip(existing, "still")).toMatchObject({ reply: "still", error: undefined });
  });

  it("when reset, then every open connection gets an RST now and new ones too", async () => {
    proxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: echoPort });
    const existing = await connect(proxy.port);
    const errored = new Promise<string>((r) => existing.once("error", (e: NodeJS.ErrnoException) => r(String(e.code))));
    proxy.setFault({ kind: "reset" });
    expect(await errored).toBe("ECONNRESET");
    expect(proxy.connections()).toBe(0);
    const fresh = await connect(proxy.port).catch((err: NodeJS.ErrnoException) => err);
    if (fresh instanceof net.Socket) expect((await roundTrip(fresh, "q")).error).toMatch(/ECONNRESET|closed/);
    else expect(fresh.code).toBe("ECONNRESET");
  });

  it("when the target is down, then the client is reset rather than left hanging", async () => {
    proxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: 1 });
    const socket = await connect(proxy.port);
    expect((await roundTrip(socket, "x", 2_000)).error).toMatch(/ECONNRESET|closed/);
  });

  it("when responding, then the proxy answers each request itself and the target sees nothing, existing connections included", async () => {
    proxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: echoPort });
    const before = await connect(proxy.port);
    expect((await roundTrip(before, "ping")).reply).toBe("ping");
    proxy.setFault({ kind: "respond", respond: (client, request) => client.write(`answer to ${request.toString()}`) });
    expect((await roundTrip(before, "q1")).reply).toBe("answer to q1");
    const fresh = await connect(proxy.port);
    expect((await roundTrip(fresh, "q2")).reply).toBe("answer to q2");
    proxy.setFault({ kind: "pass" });
    expect((await roundTrip(fresh, "echo")).reply).toBe("echo");
  });

  it("when closed, then every socket is destroyed and the port stops listening", async () => {
    proxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: echoPort });
    const socket = await connect(proxy.port);
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    socket.on("error", () => undefined);
    await proxy.close();
    await closed;
    await expect(connect(proxy.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
