// No imports: vitest.config.mts loads this file as it is.

/**
 * Node options the images run with (apps/Dockerfile's NODE_OPTIONS, which a test keeps equal), and so
 * do the bundle test, the chaos suite and the benchmarks. Source maps: stack traces name the sources.
 * AsyncContextFrame: OpenTelemetry's context manager is an AsyncLocalStorage, which otherwise switches
 * on promise hooks for every promise of the process, traced or not, from the first traced request
 * on (Node 24 uses it by default; on 22 it sits behind this flag, and the tracing tests run with it).
 */
export const IMAGE_NODE_OPTIONS: readonly string[] = ["--enable-source-maps", "--experimental-async-context-frame"];

/**
 * V8 flags the images pass on Node's command line (apps/Dockerfile's CMD), because NODE_OPTIONS does
 * not accept them; the bundle test, the chaos suite and the benchmarks start the apps with them too.
 * No memory reducer: its heap-shrinking full GC, which V8 runs when it judges the process idle (and
 * under steady load, about 100 s after start), was the usual start of the promotion chains that
 * apps/shared/src/live-set.ts and redis-reply-queue.ts describe and break: 2 MB of request objects
 * promoted per scavenge, a full GC every few seconds, 30-60 % more CPU per request. It stays off as a
 * guard against a chain not found yet. The heap of a busy service stays where load puts it; regular
 * full GCs still run when the old generation reaches its limit.
 */
export const IMAGE_NODE_FLAGS: readonly string[] = ["--no-memory-reducer"];
