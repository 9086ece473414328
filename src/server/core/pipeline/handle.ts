// Pipeline stage "handle": the backend runs with its own storage view; a failure is audited before it is thrown.
import type { CoreHandlerResponse } from '../logical-request.ts'
import type { RequestAudit } from './audit.ts'
import type { Routed } from './route.ts'

export async function runHandler(
  routed: Routed,
  audit: RequestAudit,
): Promise<CoreHandlerResponse | undefined> {
  try {
    return await routed.route.backend.handle(routed.backendRequest)
  } catch (error) {
    await audit.outcome(undefined, (error as Error).message, error)
    throw error
  }
}
