import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { format } from "@cdktn/hcl-tools";
import { App } from "cdktn";
import type { EnvConfig } from "../../config";
import { createStacks } from "../../stacks";

/**
 * What `npm run synth:hcl` (`cdktn synth --hcl`) writes, in-process: the app with HCL output, then
 * each stack's cdk.tf through cdktn's own formatter, as the CLI does after synth. Returns the stack names.
 */
export async function synthHcl(config: EnvConfig, outdir: string): Promise<string[]> {
  mkdirSync(outdir, { recursive: true });
  // cdktn's stacks read the output mode from the environment when they are created (App's own
  // hclOutput option only names the files), as under the CLI.
  const previous = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = "true";
  try {
    const app = new App({ outdir });
    createStacks(app, config);
    app.synth();
  } finally {
    if (previous === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = previous;
  }
  const stacks = readdirSync(join(outdir, "stacks")).sort();
  for (const stack of stacks) {
    const file = join(outdir, "stacks", stack, "cdk.tf");
    writeFileSync(file, await format(readFileSync(file, "utf8")));
  }
  return stacks;
}
