/**
 * Resource types with no charge of their own. Anything neither here nor priced by a rule is
 * reported as "not priced", so that list shows real gaps only. Keep the reason short and true.
 */
export const FREE_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  // network
  aws_vpc: "no charge",
  aws_subnet: "no charge",
  aws_route_table: "no charge",
  aws_route: "no charge",
  aws_route_table_association: "no charge",
  aws_internet_gateway: "no charge (data transfer is not modelled)",
  aws_default_security_group: "no charge",
  aws_security_group: "no charge",
  aws_vpc_security_group_ingress_rule: "no charge",
  aws_vpc_security_group_egress_rule: "no charge",
  aws_flow_log: "billed as its destination's ingestion (priced with the log group)",
  // identity and keys
  aws_iam_role: "no charge",
  aws_iam_role_policy: "no charge",
  aws_iam_role_policy_attachment: "no charge",
  aws_iam_policy: "no charge",
  aws_iam_openid_connect_provider: "no charge",
  aws_kms_alias: "no charge",
  random_password: "no charge (Terraform only)",
  aws_secretsmanager_secret_version: "priced with its secret",
  // S3 settings
  aws_s3_bucket_lifecycle_configuration: "read by the S3 storage line",
  aws_s3_bucket_ownership_controls: "no charge",
  aws_s3_bucket_policy: "no charge",
  aws_s3_bucket_public_access_block: "no charge",
  aws_s3_bucket_server_side_encryption_configuration: "no charge (KMS requests are not modelled)",
  aws_s3_bucket_versioning: "no charge (noncurrent versions are not modelled)",
  // compute settings
  aws_ecs_task_definition: "priced through the ECS service that runs it",
  aws_ecs_cluster_capacity_providers: "read by the Fargate lines",
  aws_appautoscaling_target: "read by the Fargate lines",
  aws_appautoscaling_policy: "no charge",
  aws_ecr_lifecycle_policy: "no charge",
  aws_service_discovery_http_namespace: "no charge for an HTTP namespace",
  // load balancing
  aws_lb_listener: "included in the ALB's hours and LCUs",
  aws_lb_listener_rule: "included in the ALB's LCUs",
  aws_lb_target_group: "no charge",
  aws_wafv2_web_acl_association: "priced with its web ACL",
  aws_wafv2_web_acl_logging_configuration: "billed as its destination's ingestion (priced with the log group)",
  aws_acm_certificate: "public ACM certificates are free",
  aws_acm_certificate_validation: "no charge",
  aws_route53_record: "alias queries to AWS resources are free; other queries are not modelled",
  // data settings
  aws_db_subnet_group: "no charge",
  aws_rds_cluster_parameter_group: "no charge",
  aws_elasticache_subnet_group: "no charge",
  aws_elasticache_parameter_group: "no charge",
  // observability settings
  aws_cloudwatch_log_stream: "no charge",
  aws_cloudwatch_log_resource_policy: "no charge",
  aws_sns_topic: "no standing charge; alarm notifications stay within the free tier",
  aws_sns_topic_subscription: "no charge",
  aws_fis_experiment_template: "billed per action-minute only while an experiment runs",
  aws_xray_sampling_rule: "no charge (it changes how many traces are recorded)",
};
