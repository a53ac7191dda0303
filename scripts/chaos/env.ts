/**
 * The chaos suite's world, all on loopback: a private redis-server that requires AUTH, its own
 * MariaDB database and user, fault proxies in front of both and in front of the responder, a fake
 * SSM endpoint for the failure modes, and the two services as child processes on fixed ports (so a
 * killed one comes back at the same address).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import mysql from "mysql2/promise";
import { createClient } from "redis";
import { FakeSsm } from "./fake-ssm";
import { FaultProxy } from "./fault-proxy";
import { bundleServices, freePort, killAllChildren, RedisServer, ServiceProcess, type ServiceName } from "./processes";

export const MARIADB = { host: "127.0.0.1", port: 3306, user: "root", password: "" };

/** Knobs the suite sets on the services; everything else keeps the app defaults. */
export const SERVICE_SETTINGS = {
  /** Short, so a failure-mode switch through the fake SSM takes effect within a quarter second. */
  FAILURE_MODE_TTL_MS: "250",
  /** Short enough that the SIGTERM rows finish quickly, long enough for in-flight requests. */
  SHUTDOWN_TIMEOUT_MS: "5000",
  /** The listener's stay-open time after SIGTERM (/readyz 503 meanwhile); 2 s in production. */
  SHUTDOWN_DELAY_MS: "500",
  /** Refused credentials fail liveness after this (10 s in production), so the AUTH rows stay short. */
  LIVENESS_AUTH_FAILURE_MS: "2000",
  /** Every demo route the rows use (/work, /db) is on, as in dev. */
  DEMO_ROUTES_ENABLED: "true",
  LOG_LEVEL: "info",
} as const;

/** A password of the printable characters ElastiCache allows (16–128). */
export const newSecret = (): string => `chaos-${randomBytes(12).toString("hex")}`;

export type Mode = "none" | "return_500" | "slow" | "connection_leak" | "cpu_burn";

export class ChaosEnv {
  readonly services: Partial<Record<ServiceName, ServiceProcess>> = {};
  private closed = false;
  /** What Redis requires now and what a (re)started service gets as REDIS_AUTH_TOKEN: rows rotate it. */
  redisToken = newSecret();
  /** The responder's MySQL password, likewise (the user is this run's own, on its database only). */
  mysqlPassword = newSecret();

  private constructor(
    readonly runId: string,
    readonly workDir: string,
    readonly database: string,
    readonly keyPrefix: string,
    readonly admin: mysql.Connection,
    readonly redis: RedisServer,
    readonly redisProxy: FaultProxy,
    readonly mysqlProxy: FaultProxy,
    /** Between the caller and the responder: the rows that make the responder answer badly use it. */
    readonly responderProxy: FaultProxy,
    readonly ssm: FakeSsm,
    private readonly scripts: Record<ServiceName, string>,
    private readonly nodePath: string,
    readonly ports: Record<ServiceName, number>,
    readonly mysqlUser: string,
  ) {}

  /** Builds the bundles, starts Redis, the proxies, the fake SSM and both services. */
  static async start(root: string): Promise<ChaosEnv> {
    const runId = randomUUID().slice(0, 8);
    const workDir = mkdtempSync(join(tmpdir(), `fc-chaos-${runId}-`));
    const database = `fc_chaos_${runId}`;
    const cleanups: (() => Promise<unknown> | void)[] = [];
    try {
      const scripts = await bundleServices(root, workDir);
      const admin = await mysql.createConnection({ ...MARIADB, connectTimeout: 5_000 });
      cleanups.push(() => admin.end());
      await admin.query(`CREATE DATABASE ${database}`);
      cleanups.push(() => admin.query(`DROP DATABASE IF EXISTS ${database}`));
      const secrets = { redis: newSecret(), mysql: newSecret() };
      const mysqlUser = `fc_chaos_${runId}`;
      await admin.query(`CREATE USER '${mysqlUser}'@'%' IDENTIFIED BY '${secrets.mysql}'`);
      cleanups.push(() => admin.query(`DROP USER IF EXISTS '${mysqlUser}'@'%'`));
      await admin.query(`GRANT ALL ON ${database}.* TO '${mysqlUser}'@'%'`);
      const holder: { env?: ChaosEnv } = {};
      const redis = new RedisServer(await freePort(), workDir, () => holder.env?.redisToken ?? secrets.redis);
      await redis.start();
      cleanups.push(() => redis.stop());
      const redisProxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: redis.port });
      cleanups.push(() => redisProxy.close());
      const mysqlProxy = await FaultProxy.start({ targetHost: MARIADB.host, targetPort: MARIADB.port });
      cleanups.push(() => mysqlProxy.close());
      const ports = { responder: await freePort(), caller: await freePort() };
      const responderProxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: ports.responder });
      cleanups.push(() => responderProxy.close());
      const ssm = await FakeSsm.start();
      cleanups.push(() => ssm.close());
      const env = new ChaosEnv(
        runId,
        workDir,
        database,
        `fc-chaos:${runId}:`,
        admin,
        redis,
        redisProxy,
        mysqlProxy,
        responderProxy,
        ssm,
        scripts,
        join(root, "node_modules"),
        ports,
        mysqlUser,
      );
      env.redisToken = secrets.redis;
      env.mysqlPassword = secrets.mysql;
      holder.env = env;
      env.setMode("caller", "none");
      env.setMode("responder", "none");
      await Promise.all([env.startService("responder"), env.startService("caller")]);
      return env;
    } catch (error) {
      killAllChildren();
      for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
      rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  parameter(service: ServiceName): string {
    return `/fc-chaos/${this.runId}/${service}/failure_mode`;
  }

  setMode(service: ServiceName, mode: Mode): void {
    this.ssm.setParameter(this.parameter(service), mode);
  }

  url(service: ServiceName, path: string): string {
    return `http://127.0.0.1:${this.ports[service]}${path}`;
  }

  private serviceEnv(name: ServiceName): NodeJS.ProcessEnv {
    const base: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_PATH: this.nodePath,
      // No ~/.aws: the SDK reads only what is set here.
      HOME: this.workDir,
      SERVICE_NAME: name,
      HOST: "127.0.0.1",
      PORT: String(this.ports[name]),
      REDIS_URL: `redis://127.0.0.1:${this.redisProxy.port}`,
      REDIS_AUTH_TOKEN: this.redisToken,
      REDIS_KEY_PREFIX: this.keyPrefix,
      FAILURE_MODE_PARAMETER: this.parameter(name),
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "chaos",
      AWS_SECRET_ACCESS_KEY: "chaos",
      AWS_ENDPOINT_URL_SSM: this.ssm.url,
      AWS_EC2_METADATA_DISABLED: "true",
      ...SERVICE_SETTINGS,
    };
    if (name === "caller") return { ...base, RESPONDER_URL: `http://127.0.0.1:${this.responderProxy.port}` };
    return {
      ...base,
      MYSQL_HOST: "127.0.0.1",
      MYSQL_PORT: String(this.mysqlProxy.port),
      MYSQL_USER: this.mysqlUser,
      MYSQL_PASSWORD: this.mysqlPassword,
      MYSQL_DATABASE: this.database,
    };
  }

  async startService(name: ServiceName): Promise<ServiceProcess> {
    const running = this.services[name];
    if (running?.running) return running;
    const started = await ServiceProcess.start({
      name,
      script: this.scripts[name],
      env: this.serviceEnv(name),
      logFile: join(this.workDir, `${name}.log`),
      timeoutMs: 15_000,
    });
    this.services[name] = started;
    return started;
  }

  async restartService(name: ServiceName): Promise<ServiceProcess> {
    await this.services[name]?.kill();
    return this.startService(name);
  }

  /** Replaces a service as ECS replaces an unhealthy task: SIGTERM (it drains), then a new one with the current secrets. */
  async replaceService(name: ServiceName): Promise<ServiceProcess> {
    const proc = this.services[name];
    if (proc?.running) {
      proc.signal("SIGTERM");
      const exited = await Promise.race([proc.exited, sleep(Number(SERVICE_SETTINGS.SHUTDOWN_TIMEOUT_MS) + 2_000)]);
      if (!exited) await proc.kill();
    }
    return this.startService(name);
  }

  /** A command on the private Redis as its admin, e.g. ACL SETUSER; `password` is what Redis requires now. */
  async redisCommand(password: string, ...args: string[]): Promise<unknown> {
    const client = createClient({ url: `redis://127.0.0.1:${this.redis.port}`, password });
    client.on("error", () => undefined);
    await client.connect();
    try {
      return await client.sendCommand(args);
    } finally {
      client.destroy();
    }
  }

  /** Sets the responder's MySQL password (as RDS does when it rotates the managed secret). */
  async setMysqlPassword(password: string): Promise<void> {
    await this.admin.query(`ALTER USER '${this.mysqlUser}'@'%' IDENTIFIED BY ?`, [password]);
  }

  /** Closes the responder's MySQL sessions server-side (pooled ones logged in before a rotation keep working otherwise). */
  async killMysqlSessions(): Promise<void> {
    const [rows] = await this.admin.query(`SELECT id FROM information_schema.PROCESSLIST WHERE user = ?`, [
      this.mysqlUser,
    ]);
    for (const { id } of rows as { id: number }[]) await this.admin.query(`KILL ${Number(id)}`).catch(() => undefined);
  }

  /** Rows per message text among those starting with `tag` (the suite's writes carry unique texts). */
  async rowsByMessage(tag: string): Promise<Map<string, number>> {
    const [rows] = await this.admin.query(
      `SELECT message, COUNT(*) AS n FROM ${this.database}.messages WHERE message LIKE ? GROUP BY message`,
      [`${tag}%`],
    );
    return new Map((rows as { message: string; n: number }[]).map((r) => [r.message, Number(r.n)]));
  }

  /** Kills the services and Redis, drops the database, closes proxies; safe to call twice. */
  async close(opts: { keepLogs?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(Object.values(this.services).map((s) => s.kill()));
    killAllChildren();
    const steps: (() => Promise<unknown>)[] = [
      () => this.redis.stop(),
      () => this.redisProxy.close(),
      () => this.mysqlProxy.close(),
      () => this.responderProxy.close(),
      () => this.admin.query(`DROP USER IF EXISTS '${this.mysqlUser}'@'%'`),
      () => this.ssm.close(),
      () => this.admin.query(`DROP DATABASE IF EXISTS ${this.database}`),
      () => this.admin.end(),
    ];
    for (const step of steps) await step().catch(() => undefined);
    if (!opts.keepLogs) rmSync(this.workDir, { recursive: true, force: true });
  }
}
