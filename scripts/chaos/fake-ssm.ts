/**
 * A fake SSM endpoint on loopback that answers GetParameter (JSON 1.1, what @aws-sdk/client-ssm
 * speaks) from an in-memory map. The services point at it with AWS_ENDPOINT_URL_SSM. It drives every
 * failure-mode switch of the chaos suite, and its `hang` switch makes it accept requests and never
 * answer them, like an SSM endpoint that stopped responding.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export class FakeSsm {
  private readonly values = new Map<string, string>();
  private readonly sockets = new Set<Socket>();
  private hanging = false;
  /** GetParameter calls answered, per parameter name (a service reads only its own). */
  private readonly answered = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeSsm> {
    const holder: { fake?: FakeSsm } = {};
    const server = createServer((req, res) => holder.fake!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    holder.fake = new FakeSsm(server, `http://127.0.0.1:${port}`);
    return holder.fake;
  }

  setParameter(name: string, value: string): void {
    this.values.set(name, value);
  }

  /** While on, requests are read and then left without an answer (until close). */
  setHanging(on: boolean): void {
    this.hanging = on;
  }

  answeredFor(name: string): number {
    return this.answered.get(name) ?? 0;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (this.hanging) return; // the socket stays open, silent, until the client gives up
      const target = String(req.headers["x-amz-target"] ?? "");
      let name = "";
      try {
        name = String((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Name?: unknown }).Name ?? "");
      } catch {
        // answered below as a validation error
      }
      const type = "application/x-amz-json-1.1";
      if (target !== "AmazonSSM.GetParameter" || !name) {
        res.writeHead(400, { "content-type": type });
        res.end(JSON.stringify({ __type: "ValidationException", message: `fake SSM supports GetParameter only` }));
        return;
      }
      const value = this.values.get(name);
      if (value === undefined) {
        res.writeHead(400, { "content-type": type });
        res.end(JSON.stringify({ __type: "ParameterNotFound", message: `${name} not found` }));
        return;
      }
      this.answered.set(name, (this.answered.get(name) ?? 0) + 1);
      res.writeHead(200, { "content-type": type });
      res.end(JSON.stringify({ Parameter: { Name: name, Type: "String", Value: value, Version: 1 } }));
    });
  }
}
