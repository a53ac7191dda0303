// What a release does with the services catalog: which images to build (once, for every platform
// any environment runs them on), where each goes, which Terraform variables carry the new tag, and
// which tags run now (so a plan does not show a rollback of every image).
import type { Catalog, CatalogService, Platform } from "./catalog";

/** Stack name → output name → value, as `cdktn deploy --outputs-file` writes them. */
export type StackOutputs = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** The log router image (fluent-bit/), shipped with every release like the apps. */
export const LOG_ROUTER_IMAGE = "log-router";
const LOG_ROUTER_BUILD = { dockerfile: "fluent-bit/Dockerfile", context: "fluent-bit" } as const;
const BUILD_HOST: Platform = "linux/amd64";

/** One image build of the release: a matrix entry of the build job. */
export interface ImageBuild {
  readonly image: string;
  readonly dockerfile: string;
  readonly context: string;
  /** `APP=<app>` for the apps' shared Dockerfile; empty for the log router. */
  readonly buildArg: string;
  /** Comma-separated buildx platforms, sorted. */
  readonly platforms: string;
  /** The build needs QEMU (a platform other than the runner's). */
  readonly qemu: boolean;
}

/**
 * Every image the release builds, across the environments it deploys: one per service built here
 * (the same build everywhere, for the union of its platforms) and the log router.
 */
export function imageBuilds(catalogs: readonly Catalog[]): ImageBuild[] {
  const builds = new Map<string, { dockerfile: string; context: string; buildArg: string; platforms: Set<string> }>();
  const add = (
    image: string,
    build: { dockerfile: string; context: string; buildArg: string },
    platforms: string[],
  ) => {
    const seen = builds.get(image);
    if (seen && (seen.dockerfile !== build.dockerfile || seen.buildArg !== build.buildArg)) {
      throw new Error(
        `service ${image}: built as ${seen.buildArg || seen.dockerfile} in one environment and ${build.buildArg || build.dockerfile} in another; one image tag can hold only one build`,
      );
    }
    const entry = seen ?? { ...build, platforms: new Set<string>() };
    for (const p of platforms) entry.platforms.add(p);
    builds.set(image, entry);
  };
  for (const catalog of catalogs) {
    for (const s of catalog.services) {
      if (s.build)
        add(s.name, { dockerfile: s.build.dockerfile, context: ".", buildArg: `APP=${s.build.app}` }, [s.platform]);
    }
    if (shipsLogRouter(catalog))
      add(LOG_ROUTER_IMAGE, { ...LOG_ROUTER_BUILD, buildArg: "" }, catalog.logRouter.platforms);
  }
  return [...builds.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([image, b]) => {
      const platforms = [...b.platforms].sort();
      return {
        image,
        dockerfile: b.dockerfile,
        context: b.context,
        buildArg: b.buildArg,
        platforms: platforms.join(","),
        qemu: platforms.some((p) => p !== BUILD_HOST),
      };
    });
}

/** The log router is built and shipped only for an environment where some service logs through FireLens. */
function shipsLogRouter(catalog: Catalog): boolean {
  return catalog.logRouter.platforms.length > 0;
}

function outputOf(outputs: StackOutputs, stack: string, key: string, what: string): string {
  const value = outputs[stack]?.[key];
  if (typeof value !== "string" || value === "") {
    throw new Error(`${stack} output ${key} (${what}) is missing: deploy the ${stack} stack first`);
  }
  return value;
}

/** Where each built image goes in this environment: its ECR repository URL. */
export function pushTargets(catalog: Catalog, outputs: StackOutputs): { image: string; repositoryUrl: string }[] {
  return [
    ...catalog.services
      .filter(
        (s): s is CatalogService & { repositoryOutput: string } => s.build !== null && s.repositoryOutput !== null,
      )
      .map((s) => ({
        image: s.name,
        repositoryUrl: outputOf(outputs, "platform", s.repositoryOutput, `repository of ${s.name}`),
      })),
    ...(shipsLogRouter(catalog)
      ? [
          {
            image: LOG_ROUTER_IMAGE,
            repositoryUrl: outputOf(outputs, "platform", catalog.logRouter.repositoryOutput, "log router repository"),
          },
        ]
      : []),
  ];
}

/** `name=value` for every image tag variable a release sets: the services built here and the log router. */
export function releaseVariables(catalog: Catalog, tag: string): string[] {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag))
    throw new Error(`tag ${JSON.stringify(tag)} is not a Docker tag`);
  return [
    ...catalog.services.filter((s) => s.build !== null).map((s) => `${s.imageTagVariable}=${tag}`),
    ...(shipsLogRouter(catalog) ? [`${catalog.logRouter.imageTagVariable}=${tag}`] : []),
  ];
}

/** The ECS cluster and service names to watch after a release. */
export function deploymentTargets(
  catalog: Catalog,
  outputs: StackOutputs,
): { cluster: string; services: { name: string; ecsService: string }[] } {
  return {
    cluster: outputOf(outputs, "platform", catalog.clusterNameOutput, "ECS cluster"),
    services: catalog.services.map((s) => ({
      name: s.name,
      ecsService: outputOf(outputs, "services", s.serviceNameOutput, `ECS service of ${s.name}`),
    })),
  };
}

/** Reads one stack's `terraform output -json` ({ key: { value } }) as plain values. */
export function terraformOutputValues(json: unknown): Record<string, unknown> {
  if (typeof json !== "object" || json === null) throw new Error("terraform output -json: expected an object");
  return Object.fromEntries(Object.entries(json as Record<string, { value?: unknown }>).map(([k, v]) => [k, v?.value]));
}

/** Every image reference in the task definitions of a `terraform show -json` state. */
export function imagesInState(state: unknown): string[] {
  const images: string[] = [];
  const walk = (module: unknown): void => {
    if (typeof module !== "object" || module === null) return;
    const m = module as {
      resources?: { type?: string; values?: { container_definitions?: unknown } }[];
      child_modules?: unknown[];
    };
    for (const r of m.resources ?? []) {
      if (r.type !== "aws_ecs_task_definition" || typeof r.values?.container_definitions !== "string") continue;
      const containers = JSON.parse(r.values.container_definitions) as { image?: unknown }[];
      for (const c of containers) if (typeof c.image === "string") images.push(c.image);
    }
    for (const child of m.child_modules ?? []) walk(child);
  };
  walk((state as { values?: { root_module?: unknown } } | null)?.values?.root_module);
  return images;
}

/**
 * `name=tag` for each image tag variable whose image runs now, read from the deployed task
 * definitions (Terraform state): a plan with them shows the pull request's own changes, not a
 * rollback to config's default tags. An image not deployed yet, or running with several tags at
 * once, gets no variable (the config default applies) and a warning.
 */
export function deployedTagVariables(
  catalog: Catalog,
  platformOutputs: Readonly<Record<string, unknown>>,
  images: readonly string[],
  warn: (message: string) => void,
): string[] {
  const repositoryOf = (key: string | null): string | undefined => {
    const v = key === null ? undefined : platformOutputs[key];
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const wanted = [
    ...catalog.services.map((s) => ({
      what: s.name,
      variable: s.imageTagVariable,
      repository: s.build ? repositoryOf(s.repositoryOutput) : (s.image ?? undefined),
    })),
    ...(shipsLogRouter(catalog)
      ? [
          {
            what: LOG_ROUTER_IMAGE,
            variable: catalog.logRouter.imageTagVariable,
            repository: repositoryOf(catalog.logRouter.repositoryOutput),
          },
        ]
      : []),
  ];
  const vars: string[] = [];
  for (const w of wanted) {
    if (w.repository === undefined) {
      warn(`${w.what}: no repository deployed yet; planning with the configured tag`);
      continue;
    }
    const tags = [
      ...new Set(images.filter((i) => i.startsWith(`${w.repository}:`)).map((i) => i.slice(w.repository!.length + 1))),
    ];
    if (tags.length === 1) vars.push(`${w.variable}=${tags[0]}`);
    else if (tags.length === 0) warn(`${w.what}: not running yet; planning with the configured tag`);
    else warn(`${w.what}: runs several tags (${tags.sort().join(", ")}); planning with the configured tag`);
  }
  return vars;
}
