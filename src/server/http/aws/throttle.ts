// An AWS call against the rate-limit quotas, once per call: AWS's throttling error when its client is over the limit.
import { AwsError } from '../../../sdk/aws-error.ts'
import type { RequestCore } from '../../core/handle-request.ts'
import { checkQuota } from '../../core/pipeline/rate-limit.ts'

/**
 * Counts one call of `client` on `path` (the engine path the action reaches, or the auth path STS logs in on) and
 * throws AWS's throttling error when a quota refuses it: `ThrottlingException` for the JSON services, `Throttling`
 * for STS, both at HTTP 400 with "Rate exceeded", which botocore and the JS SDK retry as throttling. The call's
 * own requests through the pipeline are then marked `quotaChecked`, so a call is never counted twice.
 */
export function throttle(core: RequestCore, path: string, client: string, awsType: string): void {
  const services = core.services
  if (services.quotas.empty) return
  const decision = checkQuota(services, path, client)
  if (decision !== undefined && !decision.verdict.allowed) throw new AwsError(awsType, 'Rate exceeded', 400)
}

/** The path a call is counted on: `route()` when the input names one, else the mount itself. */
export function callPath(mount: string, route: () => string): string {
  try {
    return `${mount}${route()}`
  } catch {
    // Invalid input is refused later, by the action itself; the call still counts against its mount.
    return mount
  }
}
