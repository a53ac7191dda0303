import { DataAwsAvailabilityZones } from "@cdktn/provider-aws/lib/data-aws-availability-zones";
import { Fn } from "cdktn";
import type { Construct } from "constructs";
import type { EnvConfig } from "../config";
import { EXPERIMENT_DEFAULTS } from "../config/ops-schema";
import type { EcsService } from "../modules/ecs-service";
import { OpsDashboard } from "../modules/ops/dashboard";
import { EnvironmentAlarms } from "../modules/ops/environment-alarms";
import { ERROR_TYPE_FILTERS, ERROR_TYPES } from "../apps/shared/src/error-types";
import { FaultExperiments } from "../modules/ops/fault-experiments";
import { AppLogMetrics } from "../modules/ops/log-metrics";
import { planSubnets } from "../modules/lib/subnet-plan";
import type { DataMonitoringAttributes } from "./data";
import { FcStack } from "./fc-stack";
import { output } from "./outputs";
import { camelCase, type PlatformAttributes } from "./platform";

/** What ops reads from the services stack: every service by name. */
export interface ServicesAttributes {
  readonly services: Readonly<Record<string, EcsService>>;
}

export interface OpsStackProps {
  readonly config: EnvConfig;
  readonly platform: PlatformAttributes;
  readonly data: { readonly monitoring: DataMonitoringAttributes };
  readonly services: ServicesAttributes;
}

/** Custom namespace of the apps' log metrics. */
export const logMetricsNamespace = (namePrefix: string) => `FargateConnect/${namePrefix}`;

/**
 * Monitoring and experiments of one environment, last in line (network ← platform ← data ←
 * services ← ops): environment alarms to the platform's topic, metric filters on the apps' log
 * groups, one dashboard, and (with fis.enabled) FIS experiment templates. It only reads the other
 * stacks; nothing here changes them.
 */
export class OpsStack extends FcStack {
  readonly alarms: EnvironmentAlarms;
  readonly dashboard?: OpsDashboard;
  readonly experiments?: FaultExperiments;

  constructor(scope: Construct, id: string, props: OpsStackProps) {
    super(scope, id, { config: props.config });
    const { config, platform, data, services } = props;
    const apps = Object.entries(services.services);

    this.alarms = new EnvironmentAlarms(this, "alarms", {
      namePrefix: config.namePrefix,
      topicArn: platform.alarmTopicArn,
      thresholds: config.ops.alarms,
      albArnSuffix: platform.loadBalancer?.arnSuffix,
      clusterName: platform.clusterName,
      services: apps.map(([app, svc]) => ({
        app,
        serviceName: svc.service.name,
        errorAlarmNames: svc.deploymentAlarms.errorAlarms.map((a) => a.alarmName),
      })),
      cacheNodeIds: data.monitoring.cacheNodeIds,
      dbClusterIdentifier: data.monitoring.mysqlClusterIdentifier,
    });

    const namespace = logMetricsNamespace(config.namePrefix);
    for (const [app, svc] of apps) {
      new AppLogMetrics(this, `${app}-log-metrics`, {
        app,
        logGroupName: svc.logGroup.name,
        namespace,
        errorTypes: ERROR_TYPE_FILTERS,
      });
    }

    if (config.ops.dashboard) {
      this.dashboard = new OpsDashboard(this, "dashboard", {
        name: `${config.namePrefix}-operations`,
        region: config.region,
        albArnSuffix: platform.loadBalancer?.arnSuffix,
        clusterName: platform.clusterName,
        services: apps.map(([app, svc]) => ({
          app,
          serviceName: svc.service.name,
          targetGroups: svc.blueGreen
            ? [
                { color: "blue", arnSuffix: svc.blueGreen.blue.arnSuffix },
                { color: "green", arnSuffix: svc.blueGreen.green.arnSuffix },
              ]
            : undefined,
        })),
        cacheNodeIds: data.monitoring.cacheNodeIds,
        dbClusterIdentifier: data.monitoring.mysqlClusterIdentifier,
        deliveryStreamName: platform.logPipeline.deliveryStreamName,
        logMetricsNamespace: namespace,
        errorTypes: ERROR_TYPES,
        // This stack's alarms, then the deployment alarms the services own (blue/green, Service Connect).
        alarmArns: [...this.alarms.all, ...apps.flatMap(([, svc]) => svc.alarms)].map((a) => a.arn),
      });
      output(this, "dashboardName", this.dashboard.dashboard.dashboardName, "CloudWatch dashboard of the environment");
    }

    if (config.fis.enabled) {
      const settings = config.ops.experiments ?? EXPERIMENT_DEFAULTS;
      // Same AZ list as the network's subnets (modules/vpc.ts): the first one always holds a cache node.
      const azs = new DataAwsAvailabilityZones(this, "azs", {
        state: "available",
        filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
      });
      this.experiments = new FaultExperiments(this, "fis", {
        namePrefix: config.namePrefix,
        stopAlarmArn: this.alarms.stopAlarm.arn,
        clusterName: platform.clusterName,
        clusterArn: platform.clusterArn,
        services: apps.map(([name, svc]) => ({
          name,
          serviceName: svc.service.name,
          port: config.services[name]!.port,
        })),
        edges: apps.flatMap(([name]) => config.services[name]!.connectsTo.map((to) => ({ from: name, to }))),
        latencySubnetCidrs: planSubnets(config.network).privateSubnetCidrs,
        ...settings,
        dbClusterArn: data.monitoring.mysqlClusterArn,
        multiAzCache: data.monitoring.cacheMultiAz
          ? {
              replicationGroupArn: data.monitoring.cacheReplicationGroupArn,
              availabilityZone: Fn.element(azs.names, 0) as string,
            }
          : undefined,
      });
      for (const [key, t] of Object.entries(this.experiments.templates)) {
        output(
          this,
          `${camelCase(key)}TemplateId`,
          t.id,
          `FIS experiment template id (aws fis start-experiment --experiment-template-id)`,
        );
      }
    }

    if (this.alarms.alb5xxRate) {
      output(this, "alb5xxAlarmName", this.alarms.alb5xxRate.alarmName, "ALB 5xx rate alarm (FIS stop condition)");
    }
    output(this, "stopAlarmName", this.alarms.stopAlarm.alarmName, "Alarm every FIS experiment stops on");
  }
}
