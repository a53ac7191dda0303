// The services catalog the workflows read (`npm run -s services:catalog -- --env <env>`): which
// images to build for which platform, where each is pushed, which Terraform variable takes its tag,
// and which output names its ECS service. Validated here so a change of shape fails loudly, naming
// the field, instead of deploying half a release.
import { z } from "zod";

export const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
const platform = z.enum(PLATFORMS);
const outputKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "expected a Terraform output name");
const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "expected a Terraform variable name");

const service = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "expected a service name (lowercase, digits, -)"),
    /** Built from this repository: the app folder and its Dockerfile. */
    build: z.object({ app: z.string().min(1), dockerfile: z.string().min(1) }).nullable(),
    /** An external image repository (no build). */
    image: z.string().min(1).nullable(),
    platform,
    /** Platform stack output holding the ECR repository URL the build is pushed to. */
    repositoryOutput: outputKey.nullable(),
    imageTagVariable: variableName,
    /** Services stack output holding the ECS service name. */
    serviceNameOutput: outputKey,
  })
  .superRefine((s, ctx) => {
    if ((s.build === null) === (s.image === null)) {
      ctx.addIssue({ code: "custom", path: ["build"], message: "expected exactly one of build and image" });
    }
    if (s.build !== null && s.repositoryOutput === null) {
      ctx.addIssue({
        code: "custom",
        path: ["repositoryOutput"],
        message: "a service built here needs the platform output of its ECR repository",
      });
    }
  });

export const catalogSchema = z.object({
  environment: z.string().min(1),
  services: z.array(service),
  logRouter: z.object({
    repositoryOutput: outputKey,
    imageTagVariable: variableName,
    // Empty when no service of the environment logs through FireLens: nothing to build or ship.
    platforms: z.array(platform),
  }),
  clusterNameOutput: outputKey,
});

export type Catalog = z.infer<typeof catalogSchema>;
export type CatalogService = Catalog["services"][number];
export type Platform = (typeof PLATFORMS)[number];

/** Validates a catalog; the error names the source, the field and the problem. */
export function parseCatalog(raw: unknown, source: string): Catalog {
  const result = catalogSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
  throw new Error(`${source}: not a services catalog:\n  - ${problems.join("\n  - ")}`);
}
