/**
 * Container definitions as ECS's RegisterTaskDefinition API takes them (the provider passes the JSON
 * through): https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
 */
export interface ContainerDefinition {
  readonly name: string;
  readonly image: string;
  readonly essential: boolean;
  readonly user?: string;
  readonly readonlyRootFilesystem?: boolean;
  readonly privileged?: boolean;
  readonly stopTimeout?: number;
  readonly memoryReservation?: number;
  readonly portMappings?: readonly {
    readonly name: string;
    readonly containerPort: number;
    readonly protocol: "tcp";
    readonly appProtocol: "http";
  }[];
  readonly environment?: readonly { readonly name: string; readonly value: string }[];
  readonly secrets?: readonly { readonly name: string; readonly valueFrom: string }[];
  readonly healthCheck?: {
    readonly command: readonly string[];
    readonly interval: number;
    readonly timeout: number;
    readonly retries: number;
    readonly startPeriod: number;
  };
  readonly logConfiguration: {
    readonly logDriver: string;
    readonly options?: Readonly<Record<string, string>>;
  };
  readonly linuxParameters?: { readonly initProcessEnabled: boolean };
  readonly dependsOn?: readonly ContainerDependency[];
  readonly firelensConfiguration?: { readonly type: string; readonly options?: Readonly<Record<string, string>> };
  readonly entryPoint?: readonly string[];
  readonly command?: readonly string[];
  readonly mountPoints?: readonly {
    readonly sourceVolume: string;
    readonly containerPath: string;
    readonly readOnly: boolean;
  }[];
}

/** Start order inside a task: START waits for the container to start, HEALTHY for its health check. */
export interface ContainerDependency {
  readonly containerName: string;
  readonly condition: "START" | "HEALTHY" | "COMPLETE" | "SUCCESS";
}

/** An `awslogs` log configuration: one log group, a stream prefix per container. */
export function awslogs(group: string, region: string, streamPrefix: string): ContainerDefinition["logConfiguration"] {
  return {
    logDriver: "awslogs",
    options: { "awslogs-group": group, "awslogs-region": region, "awslogs-stream-prefix": streamPrefix },
  };
}

/** A secret for the container: a Secrets Manager secret (optionally one JSON key of it) or an SSM parameter. */
export interface ContainerSecret {
  /** ARN of the Secrets Manager secret or SSM parameter. */
  readonly arn: string;
  /**
   * Key inside a JSON secret (e.g. "password" of an RDS-managed secret).
   * @default - the whole secret value
   */
  readonly jsonKey?: string;
  /**
   * Customer KMS key the secret is encrypted with; the execution role gets kms:Decrypt on it.
   * @default - an AWS managed key (no grant needed)
   */
  readonly kmsKeyArn?: string;
}

/** `valueFrom` for a secret: `<secret-arn>:<json-key>::` selects one key of a JSON secret. */
export function secretValueFrom(secret: ContainerSecret): string {
  return secret.jsonKey === undefined ? secret.arn : `${secret.arn}:${secret.jsonKey}::`;
}

/**
 * Health check command that needs no shell or curl: the app image is distroless (node only), so
 * node itself probes /healthz on loopback and exits 0 only on a 2xx within 2 s.
 */
export function nodeHealthCheckCommand(port: number, path: string): string[] {
  const script =
    `require("http").get({host:"127.0.0.1",port:${port},path:"${path}",timeout:2000},` +
    `r=>process.exit(r.statusCode>=200&&r.statusCode<300?0:1)).on("error",()=>process.exit(1))` +
    `.on("timeout",function(){this.destroy();process.exit(1)})`;
  return ["CMD", "/nodejs/bin/node", "-e", script];
}

/** Sorted name/value pairs, so the synthesized JSON does not depend on object insertion order. */
export function nameValues<T>(record: Readonly<Record<string, T>>, value: (v: T) => string) {
  return Object.keys(record)
    .sort()
    .map((name) => ({ name, value: value(record[name]!) }));
}
