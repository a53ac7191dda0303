// The one build of an app image's contents, used by `npm run build:apps`, the bundle test and
// apps/Dockerfile:  tsx scripts/build-app.ts [<app> ...]  →  dist/<app>/ (every app folder by default)
import { existsSync, mkdirSync, readFileSync, rmSync, cpSync, statSync, readdirSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { build, type Metafile } from "esbuild";

const APPS_DIR = resolve(__dirname, "..", "apps");

/** apps/shared is the apps' library, not an app. */
const LIBRARY_DIR = "shared";

/** Every app folder under apps/ (one with src/server.ts): a new service's folder builds with no edit here. */
export const APPS: readonly string[] = readdirSync(APPS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== LIBRARY_DIR && existsSync(join(APPS_DIR, d.name, "src", "server.ts")))
  .map((d) => d.name)
  .sort();

/** The images run Node 22 (distroless nodejs22), so every bundle targets it, here and in Docker. */
export const NODE_TARGET = "node22";

/**
 * Left out of the bundle and shipped in node_modules beside it: OpenTelemetry's instrumentations
 * patch these (and files inside @redis/client and mysql2) while `require` loads them, which a
 * bundled copy never does; the apps' own Redis module patches @redis/client's reply queue, which must
 * be the copy `redis` loads. Everything else, the SDK included, is bundled.
 */
export const INSTRUMENTED_PACKAGES: readonly string[] = ["express", "redis", "@redis/client", "mysql2"];

/** Files of a copied package that Node never loads. */
const NOT_RUNTIME = /\.(d\.[cm]?ts|map|md)$/;

export interface BuildAppOptions {
  readonly app: string;
  /** Emptied, then filled with server.js, server.js.map and node_modules/. */
  readonly outDir: string;
  /**
   * Repository root (entry points and the node_modules to copy from).
   * @default - the parent of this script's folder
   */
  readonly root?: string;
}

export interface BuiltApp {
  readonly bundle: string;
  readonly bundleBytes: number;
  /** Instrumented packages the bundle requires (e.g. the caller has no mysql2). */
  readonly externals: string[];
  /** Package folders copied under outDir, relative to it (node_modules/...). */
  readonly packages: string[];
  readonly packagesBytes: number;
}

export async function buildApp(opts: BuildAppOptions): Promise<BuiltApp> {
  if (!APPS.includes(opts.app)) {
    throw new Error(`buildApp: app must be one of ${APPS.join(", ")}, got "${opts.app}"`);
  }
  const root = opts.root ?? resolve(__dirname, "..");
  const outDir = resolve(opts.outDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const bundle = join(outDir, "server.js");
  const result = await build({
    entryPoints: [join(root, "apps", opts.app, "src", "server.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: NODE_TARGET,
    // Maps without embedded sources: stack traces still point at apps/**/*.ts lines (a third the size).
    sourcemap: true,
    sourcesContent: false,
    external: [...INSTRUMENTED_PACKAGES],
    // No "module" condition (esbuild's default): packages resolve to the builds Node itself would
    // load. With it, @opentelemetry/api resolves to its ESM build, which the SDK's CommonJS code
    // reaches through esbuild's interop getters (one getter shared by every export, so each
    // `api.context` or `api.trace` read on the request path is a megamorphic lookup).
    conditions: [],
    outfile: bundle,
    metafile: true,
    logLevel: "warning",
  });
  const externals = externalPackages(result.metafile, relative(process.cwd(), bundle));
  const dirs = [...packageClosure(externals, root)].sort();
  for (const dir of dirs) {
    const nested = join(dir, "node_modules");
    // Nested node_modules are copied on their own when the closure needs them; typings, maps and docs never run.
    cpSync(dir, join(outDir, relative(root, dir)), {
      recursive: true,
      filter: (src) => src !== nested && !src.startsWith(nested + sep) && !NOT_RUNTIME.test(src),
    });
  }
  const packages = dirs.map((d) => relative(root, d));
  return {
    bundle,
    bundleBytes: statSync(bundle).size,
    externals,
    packages,
    packagesBytes: packages.reduce((sum, p) => sum + folderBytes(join(outDir, p)), 0),
  };
}

/** The instrumented packages the bundle requires at run time. */
function externalPackages(metafile: Metafile, outfile: string): string[] {
  const output = metafile.outputs[outfile.split(sep).join("/")];
  if (!output) throw new Error(`esbuild metafile has no output ${outfile}`);
  const names = output.imports
    .filter((i) => i.external && !isBuiltin(i.path))
    .map((i) =>
      i.path
        .split("/")
        .slice(0, i.path.startsWith("@") ? 2 : 1)
        .join("/"),
    )
    // Other externals are optional requires in try/catch that esbuild could not resolve (debug's
    // supports-color when it is not installed): they fail over at run time as they would unbundled.
    .filter((name) => INSTRUMENTED_PACKAGES.includes(name));
  return [...new Set(names)].sort();
}

/** The folders of `names` and of everything they depend on, resolved as Node would from `root`. */
function packageClosure(names: readonly string[], root: string): Set<string> {
  const found = new Set<string>();
  const queue: { name: string; from: string; optional: boolean }[] = names.map((name) => ({
    name,
    from: root,
    optional: false,
  }));
  for (let item = queue.shift(); item; item = queue.shift()) {
    const dir = findPackage(item.name, item.from);
    if (!dir) {
      if (item.optional) continue;
      throw new Error(`${item.name} (needed from ${relative(root, item.from) || "."}) is not installed: run npm ci`);
    }
    if (found.has(dir)) continue;
    if (!relative(root, dir).startsWith("node_modules")) {
      throw new Error(`${item.name} resolves outside ${root}/node_modules: ${dir}`);
    }
    found.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) queue.push({ name: dep, from: dir, optional: false });
    for (const dep of Object.keys({ ...manifest.optionalDependencies, ...manifest.peerDependencies })) {
      queue.push({ name: dep, from: dir, optional: true });
    }
  }
  return found;
}

/** Node's lookup: <dir>/node_modules/<name>, then each parent folder's. */
function findPackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

async function main(args: string[]): Promise<void> {
  const apps = args.length ? args : [...APPS];
  for (const app of apps) {
    const built = await buildApp({ app: app as string, outDir: join("dist", app) });
    console.log(
      `${app}: ${relative(process.cwd(), built.bundle)} ${mb(built.bundleBytes)}; node_modules ${mb(built.packagesBytes)} ` +
        `(${built.externals.join(", ")} and their dependencies: ${built.packages.length} packages)`,
    );
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
