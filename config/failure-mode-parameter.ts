/**
 * The SSM parameter holding a service's failure mode: `/<namePrefix>/<service>/failure-mode`.
 * One definition for the services stack (which creates it) and `npm run lab` (which flips it).
 */
export function failureModeParameterName(namePrefix: string, service: string): string {
  return `/${namePrefix}/${service}/failure-mode`;
}
