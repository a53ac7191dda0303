import type { Rule } from "../rule";
import { ecsCluster, fargate, xray } from "./compute";
import { aurora, elasticache } from "./data";
import { loadBalancers, natGateways, publicIpv4, vpcEndpoints, webAcls } from "./network";
import { alarms, dashboards, firehose, logGroups, metricFilters } from "./observability";
import { kmsKeys, secrets, ssmParameters } from "./security";
import { buckets, ecrRepositories } from "./storage";

/** Every pricing rule; each resource type belongs to at most one. */
export const RULES: readonly Rule[] = [
  natGateways,
  publicIpv4,
  vpcEndpoints,
  loadBalancers,
  webAcls,
  ecsCluster,
  fargate,
  xray,
  aurora,
  elasticache,
  firehose,
  logGroups,
  metricFilters,
  alarms,
  dashboards,
  kmsKeys,
  secrets,
  ssmParameters,
  buckets,
  ecrRepositories,
];
