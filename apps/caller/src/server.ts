// First import: starts tracing (when configured) before express, redis and mysql2 are loaded.
import "../../shared/src/start-tracing";
import { CircuitBreaker } from "../../shared/src/circuit-breaker";
import { ServiceClient } from "../../shared/src/http-client";
import { closeRedis } from "../../shared/src/redis";
import { createServiceBasics } from "../../shared/src/service-basics";
import { runService, startServer, type RunningServer, type StartOptions } from "../../shared/src/server";
import { createCallerApp, type CallerDeps } from "./app";
import { loadCallerConfig } from "./config";

export async function startCaller(
  env: NodeJS.ProcessEnv,
  opts: StartOptions = {},
): Promise<RunningServer & { deps: CallerDeps }> {
  const config = loadCallerConfig(env);
  const basics = createServiceBasics(config, opts);
  const { logger, redis, lifecycle, cpuWork } = basics;
  const responder = new ServiceClient({
    name: "responder",
    baseUrl: config.RESPONDER_URL,
    logger,
    deadlineMs: config.RESPONDER_DEADLINE_MS,
    attemptTimeoutMs: config.RESPONDER_ATTEMPT_TIMEOUT_MS,
    maxRetries: config.RESPONDER_RETRIES,
    backoffBaseMs: 50,
    backoffMaxMs: 400,
    maxBodyBytes: config.UPSTREAM_MAX_BODY_BYTES,
    breaker: new CircuitBreaker({
      failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
      resetTimeoutMs: config.BREAKER_RESET_MS,
    }),
  });
  const deps: CallerDeps = { ...basics, config, responder };
  const running = await startServer(createCallerApp(deps), {
    config,
    logger,
    lifecycle,
    flushLogs: opts.flushLogs,
    closeResources: async () => {
      responder.close();
      basics.redisAuth.close();
      basics.redisGuard.close();
      await Promise.allSettled([closeRedis(redis), cpuWork.close()]);
    },
  });
  return { ...running, deps };
}

if (require.main === module) runService("caller", startCaller);
