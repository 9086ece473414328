// The change events SSM Parameter Store reports: a new parameter version (PutParameter) or a deleted parameter (never a value).
import type { BackendEvent } from '../../../sdk/events.ts'

/**
 * The request path (parameters/<name>) is the data path too: whoever may read the parameter may subscribe to
 * learn it changed. `version` is the version PutParameter made.
 */
export function ssmEvent(
  operation: 'put-parameter' | 'delete-parameter',
  requestPath: string,
  name: string,
  version?: unknown,
): BackendEvent {
  return {
    type: `ssm/${operation}`,
    path: requestPath,
    metadata: {
      operation: operation === 'put-parameter' ? 'PutParameter' : 'DeleteParameter',
      modified: 'true',
      name,
      ...(typeof version === 'number' ? { version: String(version) } : {}),
    },
  }
}
