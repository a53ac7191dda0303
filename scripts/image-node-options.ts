// No imports: vitest.config.mts loads this file as it is.

/**
 * Node options the images run with (apps/Dockerfile's NODE_OPTIONS, which a test keeps equal), and so
 * do the bundle test, the chaos suite and the benchmarks. Source maps: stack traces name the sources.
 * AsyncContextFrame: OpenTelemetry's context manager is an AsyncLocalStorage, which otherwise switches
 * on promise hooks for every promise of the process, traced or not, from the first traced request
 * on (Node 24 uses it by default; on 22 it sits behind this flag, and the tracing tests run with it).
 */
export const IMAGE_NODE_OPTIONS: readonly string[] = ["--enable-source-maps", "--experimental-async-context-frame"];
