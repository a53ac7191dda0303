import type { Construct } from "constructs";
import type { EnvConfig } from "../config";
import { CiIdentityStack } from "./ci-identity";
import { DataStack } from "./data";
import { applyMoves, MOVES } from "./moved";
import { NetworkStack } from "./network";
import { OpsStack } from "./ops";
import { PlatformStack } from "./platform";
import { ServicesStack } from "./services";
import { StateStack } from "./state";

export interface EnvironmentStacks {
  readonly state?: StateStack;
  readonly ciIdentity?: CiIdentityStack;
  readonly network: NetworkStack;
  readonly platform: PlatformStack;
  readonly data: DataStack;
  readonly services: ServicesStack;
  readonly ops: OpsStack;
}

/** Every stack of one environment, in dependency order. The bootstrap stacks (state, ci-identity) exist only when configured. */
export function createStacks(scope: Construct, config: EnvConfig): EnvironmentStacks {
  const state = config.state
    ? new StateStack(scope, "state", { config: { ...config, state: config.state } })
    : undefined;
  const ciIdentity =
    config.ci && config.state
      ? new CiIdentityStack(scope, "ci-identity", { config: { ...config, ci: config.ci, state: config.state } })
      : undefined;
  const network = new NetworkStack(scope, "network", { config });
  const platform = new PlatformStack(scope, "platform", { config, network });
  const data = new DataStack(scope, "data", { config, network, platform });
  const services = new ServicesStack(scope, "services", { config, network, platform, data });
  const ops = new OpsStack(scope, "ops", { config, platform, data, services });
  for (const stack of [state, ciIdentity, network, platform, data, services, ops]) {
    if (stack) applyMoves(stack, MOVES[stack.node.id] ?? []);
  }
  return { state, ciIdentity, network, platform, data, services, ops };
}
