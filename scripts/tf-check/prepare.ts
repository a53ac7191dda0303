/**
 * tf:check's copy of one synthesized stack, made to run offline: no backend, a provider that never
 * calls AWS to start, data sources that would call AWS replaced by literal values, cross-stack
 * outputs replaced by plausible values of the upstream stack's declared outputs, and (when the local
 * provider is older than the pin) the translation table applied.
 */
import { applyTranslations, mapStrings, translationsFor } from "./translations";

type Json = Record<string, unknown>;

export interface Providers {
  /** Local version of each provider this check can install (hashicorp/<name>); absent = not installable. */
  readonly versions: Readonly<Record<string, string>>;
  /** Whether the versions are a local mirror's (older ones get the translation table) or the pins. */
  readonly mirror: boolean;
}

export interface PreparedStack {
  readonly json: Json;
  readonly notes: string[];
}

/**
 * Literal values for the data sources that call AWS, per attribute (from the data block's own
 * arguments where they are literals). aws_region and aws_partition stay: the provider answers them
 * from its own configuration, without a call.
 */
function dataStubs(accountId: string, region: string, partition = "aws"): Record<string, (body: Json) => Json> {
  return {
    aws_caller_identity: () => ({
      account_id: accountId,
      arn: `arn:${partition}:iam::${accountId}:user/tf-check`,
      id: accountId,
      user_id: "AIDAEXAMPLETFCHECK",
    }),
    aws_availability_zones: () => ({
      names: [`${region}a`, `${region}b`, `${region}c`],
      zone_ids: ["euw1-az1", "euw1-az2", "euw1-az3"],
      id: region,
    }),
    aws_kms_alias: (body) => {
      const name = typeof body.name === "string" && !body.name.includes("${") ? body.name : "alias/tf-check";
      const keyId = "0123abcd-4567-89ef-0123-456789abcdef";
      return {
        arn: `arn:${partition}:kms:${region}:${accountId}:${name}`,
        id: `arn:${partition}:kms:${region}:${accountId}:${name}`,
        name,
        target_key_arn: `arn:${partition}:kms:${region}:${accountId}:key/${keyId}`,
        target_key_id: keyId,
      };
    },
    aws_iam_openid_connect_provider: (body) => {
      const url =
        typeof body.url === "string" && !body.url.includes("${")
          ? body.url
          : "https://token.actions.githubusercontent.com";
      const host = url.replace(/^https:\/\//, "");
      return {
        arn: `arn:${partition}:iam::${accountId}:oidc-provider/${host}`,
        id: `arn:${partition}:iam::${accountId}:oidc-provider/${host}`,
        url: host,
        client_id_list: ["sts.amazonaws.com"],
        thumbprint_list: [],
        tags: {},
      };
    },
  };
}

/** An HCL expression for a JSON value (for use inside `${…}`). */
export function hclLiteral(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(hclLiteral).join(", ")}]`;
  if (typeof value === "string")
    return JSON.stringify(value)
      .replace(/\$\{/g, () => "$${")
      .replace(/%\{/g, "%%{");
  return String(value);
}

/**
 * A plausible value for an output of an upstream stack, from its name and its declared value
 * (`${aws_lb.alb_alb.arn_suffix}`, a list of references, …), in this account and region.
 */
export function fakeOutput(name: string, declared: unknown, accountId: string, region: string): unknown {
  if (Array.isArray(declared)) return declared.map((d, i) => fakeOutput(`${name}_${i}`, d, accountId, region));
  const ref = typeof declared === "string" ? (/^\$\{(.*)\}$/.exec(declared)?.[1] ?? "") : "";
  if (/^(tolist|toset|sort)\(/.test(ref) || /_ids?s$|clusters$|providers$/.test(ref)) {
    return [0, 1].map((i) => fakeOutput(`${name}_${i}`, "", accountId, region));
  }
  const refMatch = /([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)$/.exec(ref);
  const type = refMatch?.[1] ?? "";
  const attr = refMatch?.[3] ?? name.replace(/.*_/, "");
  const short = (refMatch?.[2] ?? name).replace(/_/g, "-").slice(0, 40);
  const service = type.split("_")[1] ?? "tfcheck";
  if (attr.endsWith("arn_suffix")) return `app/${short}/0123456789abcdef`;
  if (attr.endsWith("arn")) return `arn:aws:${service}:${region}:${accountId}:${type.replace(/^aws_/, "")}/${short}`;
  if (attr === "cidr_block" || /cidr/i.test(name)) return "10.20.0.0/16";
  if (attr.endsWith("url")) return `${accountId}.dkr.ecr.${region}.amazonaws.com/${short}`;
  if (attr === "port") return 6379;
  if (attr.endsWith("endpoint") || attr.endsWith("address")) return `${short}.example.${region}.amazonaws.com`;
  if (attr === "id") return `${type.replace(/^aws_/, "").slice(0, 6)}-0123456789abcdef0`;
  return `${short}-tf-check`;
}

/**
 * Prepares `stack` (its cdk.tf.json) for an offline init/validate/plan. `upstream` holds the other
 * stacks of the environment (their declared outputs back the remote-state stubs).
 */
export function prepareStack(
  stack: Json,
  upstream: Readonly<Record<string, Json>>,
  providers: Providers,
  opts: { accountId: string; region: string },
): PreparedStack {
  const notes: string[] = [];
  let json = structuredClone(stack);
  const terraform = (json.terraform ?? {}) as Json;
  delete terraform.backend;
  const required = (terraform.required_providers ?? {}) as Record<string, Json>;
  for (const [name, req] of Object.entries(required)) {
    const local = providers.versions[name];
    if (local) req.version = local;
  }

  // The provider: fake credentials come from the environment; nothing may call AWS to configure it.
  for (const config of ((json.provider as Json | undefined)?.aws ?? []) as Json[]) {
    delete config.allowed_account_ids;
    Object.assign(config, {
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      skip_region_validation: true,
    });
  }

  // Data sources that would call AWS → literals.
  const data = (json.data ?? {}) as Record<string, Record<string, Json>>;
  const stubs = dataStubs(opts.accountId, opts.region);
  const replacements: [RegExp, string][] = [];
  for (const [type, attrs] of Object.entries(stubs)) {
    for (const [name, body] of Object.entries(data[type] ?? {})) {
      for (const [attr, value] of Object.entries(attrs(body))) {
        replacements.push([new RegExp(`\\bdata\\.${type}\\.${name}\\.${attr}\\b`, "g"), hclLiteral(value)]);
      }
      delete data[type]![name];
    }
    if (data[type] && Object.keys(data[type]!).length === 0) delete data[type];
  }
  const stubbed = Object.keys(stubs).filter((t) => (stack.data as Json | undefined)?.[t]);
  if (stubbed.length) notes.push(`stubbed data: ${stubbed.join(", ")}`);

  // Remote state → the upstream stack's declared outputs, with plausible values.
  for (const [name, body] of Object.entries(data.terraform_remote_state ?? {})) {
    const key = String(((body.config ?? {}) as Json).key ?? ((body.config ?? {}) as Json).path ?? "");
    const upstreamName =
      /([A-Za-z0-9_-]+)\.tfstate$/.exec(key)?.[1] ?? name.replace(/^cross_stack_reference_input_/, "");
    const outputs = ((upstream[upstreamName]?.output ?? {}) as Record<string, Json>) ?? {};
    if (!upstream[upstreamName])
      throw new Error(`remote state ${name} reads stack "${upstreamName}", which this environment does not have`);
    for (const [out, decl] of Object.entries(outputs)) {
      const value = fakeOutput(out, decl.value, opts.accountId, opts.region);
      replacements.push([
        new RegExp(`\\bdata\\.terraform_remote_state\\.${name}\\.outputs\\.${out}\\b`, "g"),
        hclLiteral(value),
      ]);
    }
    delete data.terraform_remote_state![name];
    notes.push(`remote state ${upstreamName}: ${Object.keys(outputs).length} outputs stubbed`);
  }
  if (data.terraform_remote_state && Object.keys(data.terraform_remote_state).length === 0)
    delete data.terraform_remote_state;

  // Resources of a provider this check cannot install (hashicorp/random when a mirror lacks it).
  const resources = (json.resource ?? {}) as Record<string, Record<string, Json>>;
  for (const provider of Object.keys(required)) {
    if (provider === "aws" || providers.versions[provider]) continue;
    for (const type of Object.keys(resources).filter((t) => t.startsWith(`${provider}_`))) {
      for (const name of Object.keys(resources[type]!)) {
        replacements.push([
          new RegExp(`\\b${type}\\.${name}\\.([a-z_]+)\\b`, "g"),
          hclLiteral("tf-check-stub-value-0123456789"),
        ]);
        notes.push(`${type}.${name} skipped (hashicorp/${provider} not installable here; references get a literal)`);
      }
      delete resources[type];
    }
    delete required[provider];
    delete (json.provider as Json | undefined)?.[provider];
  }
  if (Object.keys(data).length === 0) delete json.data;

  json = mapStrings(json, (s) => replacements.reduce((acc, [re, lit]) => acc.replace(re, lit), s)) as Json;
  dropDependsOnRemoved(json);

  const aws = providers.versions.aws;
  if (providers.mirror && aws) {
    const translated = applyTranslations(json, translationsFor(aws));
    json = translated.stack;
    notes.push(...translated.notes);
  }
  return { json, notes };
}

/** `depends_on` entries naming a block this copy removed (stubbed data sources, skipped resources). */
function dropDependsOnRemoved(json: Json): void {
  const exists = (address: string): boolean => {
    const parts = address.split(".");
    const [kind, type, name] = parts[0] === "data" ? parts : ["resource", ...parts];
    const blocks = (json[kind!] ?? {}) as Record<string, Record<string, unknown>>;
    return Boolean(blocks[type!]?.[name!]);
  };
  for (const kind of ["resource", "data"]) {
    for (const byName of Object.values((json[kind] ?? {}) as Record<string, Record<string, Json>>)) {
      for (const body of Object.values(byName)) {
        if (Array.isArray(body.depends_on)) body.depends_on = (body.depends_on as string[]).filter(exists);
      }
    }
  }
}
