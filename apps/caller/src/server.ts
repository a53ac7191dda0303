import { CircuitBreaker } from "../../shared/src/circuit-breaker";
import { failureModesFromConfig } from "../../shared/src/failure-modes-from-config";
import { ServiceClient } from "../../shared/src/http-client";
import { createLogger } from "../../shared/src/logger";
import { closeRedis, connectInBackground, createRedis } from "../../shared/src/redis";
import { Lifecycle, runService, startServer, type RunningServer, type StartOptions } from "../../shared/src/server";
import { createCallerApp, type CallerDeps } from "./app";
import { loadCallerConfig } from "./config";

export async function startCaller(
  env: NodeJS.ProcessEnv,
  opts: StartOptions = {},
): Promise<RunningServer & { deps: CallerDeps }> {
  const config = loadCallerConfig(env);
  const logger = opts.logger ?? createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
  const redis = createRedis({ url: config.REDIS_URL, logger, commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
  connectInBackground(redis, logger);
  const responder = new ServiceClient({
    name: "responder",
    baseUrl: config.RESPONDER_URL,
    logger,
    deadlineMs: config.RESPONDER_DEADLINE_MS,
    attemptTimeoutMs: config.RESPONDER_ATTEMPT_TIMEOUT_MS,
    maxRetries: config.RESPONDER_RETRIES,
    backoffBaseMs: 50,
    backoffMaxMs: 400,
    breaker: new CircuitBreaker({
      failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
      resetTimeoutMs: config.BREAKER_RESET_MS,
    }),
  });
  const lifecycle = new Lifecycle();
  const deps: CallerDeps = {
    config,
    logger,
    redis,
    responder,
    lifecycle,
    failureModes: failureModesFromConfig(config, logger, opts.ssm),
  };
  const running = await startServer(createCallerApp(deps), {
    config,
    logger,
    lifecycle,
    flushLogs: opts.flushLogs,
    closeResources: async () => {
      responder.close();
      await closeRedis(redis);
    },
  });
  return { ...running, deps };
}

if (require.main === module) runService(startCaller);
