// The Secrets Manager calls a built-in rotation function makes, as requests through the pipeline (policies, audit).
import { isAwsError } from '../../sdk/aws-error.ts'
import {
  AWS_REGION_HEADER,
  AWS_TARGET_HEADER,
  type SecretsManagerAction,
  secretsManagerRoute,
} from '../../sdk/aws-secretsmanager-routes.ts'
import { AppError } from '../../sdk/errors.ts'
import type { SecretsManagerApi } from '../../sdk/rotation.ts'
import { handleRequest, type RequestCore } from '../core/handle-request.ts'

/** An error as the AWS SDK raises it: `name` is the AWS error type (ResourceNotFoundException…). */
function awsStyle(error: unknown): Error {
  if (isAwsError(error)) return Object.assign(new Error(error.message), { name: error.awsType })
  if (error instanceof AppError && error.status === 403)
    return Object.assign(new Error(error.message), { name: 'AccessDeniedException' })
  return error instanceof Error ? error : new Error(String(error))
}

export function pipelineApi(
  core: RequestCore,
  opts: { token: string; mountPath: string; region: string; requestId: () => string },
): SecretsManagerApi {
  const call = async (action: SecretsManagerAction, input: Record<string, unknown>) => {
    const route = secretsManagerRoute(action, input)
    try {
      const response = await handleRequest(core, {
        id: opts.requestId(),
        operation: route.operation,
        path: `${opts.mountPath}${route.path}`,
        data: input,
        token: opts.token,
        headers: {
          [AWS_TARGET_HEADER]: `secretsmanager.${action}`,
          [AWS_REGION_HEADER]: opts.region,
          'user-agent': 'coffer-rotation',
        },
        contentType: 'application/x-amz-json-1.1',
        remoteAddress: '127.0.0.1',
      })
      return response?.data ?? {}
    } catch (error) {
      throw awsStyle(error)
    }
  }
  return {
    describeSecret: (input) => call('DescribeSecret', input),
    getSecretValue: (input) => call('GetSecretValue', input),
    putSecretValue: (input) => call('PutSecretValue', input),
    updateSecretVersionStage: (input) => call('UpdateSecretVersionStage', input),
    getRandomPassword: async (input) => {
      const out = await call('GetRandomPassword', input)
      return { RandomPassword: String(out['RandomPassword']) }
    },
  }
}
