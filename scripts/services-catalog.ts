// npm run -s services:catalog -- --env <env>
// The services of one environment as CI needs them to build, push and deploy: what to build (or the
// external image), for which platform, and where the stacks' outputs and variables hold the rest.
// Prints JSON on stdout; any problem goes to stderr with exit code 1.
import { ENVIRONMENTS, loadConfig, type EnvConfig } from "../config";
import { CLUSTER_NAME_OUTPUT, LOG_ROUTER_REPOSITORY_OUTPUT, repositoryUrlOutput } from "../stacks/platform";
import { imageTagVariableName, LOG_ROUTER_IMAGE_TAG_VARIABLE, serviceNameOutput } from "../stacks/services";

/** The one Dockerfile that builds every app (APP=<app>). */
export const APPS_DOCKERFILE = "apps/Dockerfile";

export type ImagePlatform = "linux/amd64" | "linux/arm64";

export interface CatalogService {
  readonly name: string;
  /** What CI builds: `docker build -f <dockerfile> --build-arg APP=<app>`; null for an external image. */
  readonly build: { readonly app: string; readonly dockerfile: string } | null;
  /** The external image repository (no tag); null when this project builds the service. */
  readonly image: string | null;
  /** The platform to build for (config cpuArchitecture). */
  readonly platform: ImagePlatform;
  /** Key of the platform stack's output holding the service's ECR repository URL; null for an external image. */
  readonly repositoryOutput: string | null;
  /** Terraform variable of the services stack that sets the image tag (`--var <name>=<tag>`). */
  readonly imageTagVariable: string;
  /** Key of the services stack's output holding the ECS service name. */
  readonly serviceNameOutput: string;
}

export interface ServiceCatalog {
  readonly environment: string;
  readonly services: readonly CatalogService[];
  readonly logRouter: {
    readonly repositoryOutput: string;
    readonly imageTagVariable: string;
    /** Platforms the router image is needed for: those of the services that log through FireLens. */
    readonly platforms: readonly ImagePlatform[];
  };
  /** Key of the platform stack's output holding the ECS cluster name. */
  readonly clusterNameOutput: string;
}

const PLATFORMS: Readonly<Record<"X86_64" | "ARM64", ImagePlatform>> = {
  X86_64: "linux/amd64",
  ARM64: "linux/arm64",
};

/** The catalog of a validated environment, services in config order. */
export function serviceCatalog(config: EnvConfig): ServiceCatalog {
  const entries = Object.entries(config.services);
  const services = entries.map(([name, svc]): CatalogService => ({
    name,
    build: svc.app !== undefined ? { app: svc.app, dockerfile: APPS_DOCKERFILE } : null,
    image: svc.image ?? null,
    platform: PLATFORMS[svc.cpuArchitecture],
    repositoryOutput: svc.app !== undefined ? repositoryUrlOutput(name) : null,
    imageTagVariable: imageTagVariableName(name),
    serviceNameOutput: serviceNameOutput(name),
  }));
  const routed = entries
    .filter(([, svc]) => svc.logging === "firelens")
    .map(([, svc]) => PLATFORMS[svc.cpuArchitecture]);
  return {
    environment: config.envName,
    services,
    logRouter: {
      repositoryOutput: LOG_ROUTER_REPOSITORY_OUTPUT,
      imageTagVariable: LOG_ROUTER_IMAGE_TAG_VARIABLE,
      platforms: [...new Set(routed)].sort(),
    },
    clusterNameOutput: CLUSTER_NAME_OUTPUT,
  };
}

export const USAGE = "usage: npm run -s services:catalog -- --env <env>";

/** The CLI: returns the exit code; `environments` is replaceable for tests. */
export function runCatalog(
  argv: readonly string[],
  out: { stdout: (s: string) => void; stderr: (s: string) => void },
  environments: Readonly<Record<string, unknown>> = ENVIRONMENTS,
): number {
  let envName: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    if (flag !== "--env") {
      out.stderr(`services:catalog: unknown argument ${JSON.stringify(argv[i])}; ${USAGE}\n`);
      return 1;
    }
    envName = inline ?? argv[++i];
  }
  if (envName === undefined || envName === "" || envName.startsWith("--")) {
    out.stderr(
      `services:catalog: --env needs an environment: one of ${Object.keys(environments).join(", ")}; ${USAGE}\n`,
    );
    return 1;
  }
  if (!Object.hasOwn(environments, envName)) {
    out.stderr(
      `services:catalog: --env: unknown environment ${JSON.stringify(envName)}; expected one of: ${Object.keys(environments).join(", ")} (each is a file config/<env>.ts)\n`,
    );
    return 1;
  }
  try {
    out.stdout(`${JSON.stringify(serviceCatalog(loadConfig(envName, environments)), null, 2)}\n`);
    return 0;
  } catch (error) {
    out.stderr(`services:catalog: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = runCatalog(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  });
}
