// The engine's test harness: calls each AWS action through the engine's paths as the adapter will, on a manual clock.
import { isAwsError } from '../../../sdk/aws-error.ts'
import { type SecretsManagerAction, secretsManagerRoute } from '../../../sdk/aws-secretsmanager-routes.ts'
import { type BackendHarness, buildBackend } from '../../../sdk/framework/backend-harness.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { secretsManagerBackend } from './backend.ts'

export const START = Date.UTC(2026, 0, 2, 3, 4, 5)
export const DAY = 24 * 3600 * 1000
/** 32 characters: the shortest ClientRequestToken AWS accepts. */
export const token = (n: number | string) => `tok-${String(n)}`.padEnd(32, 'x')

type AwsCall = (
  action: SecretsManagerAction,
  input?: Record<string, unknown>,
) => Promise<Record<string, unknown>>

export interface SmHarness extends BackendHarness {
  /** One AWS action, routed as the adapter routes it (operation and path from the shared table, X-Amz-Target). */
  aws: AwsCall
  /** The same, from a credential scope's region (the adapter's x-coffer-aws-region header). */
  awsIn(region: string): AwsCall
}

export async function makeSm(
  options: { storage?: Storage; mountOptions?: Record<string, string> } = {},
): Promise<SmHarness> {
  const h = await buildBackend(secretsManagerBackend, {
    storage: options.storage ?? new MemoryStorage(),
    clock: { now: START },
    mount: { path: 'secretsmanager/', type: 'secretsmanager', options: options.mountOptions ?? {} },
  })
  return withAws(h)
}

export function withAws(h: BackendHarness): SmHarness {
  const call =
    (region?: string): AwsCall =>
    async (action, input = {}) => {
      const route = secretsManagerRoute(action, input)
      const response = await h.call(route.operation, route.path, input, {
        headers: {
          'x-amz-target': `secretsmanager.${action}`,
          ...(region ? { 'x-coffer-aws-region': region } : {}),
        },
      })
      return (response?.data ?? {}) as Record<string, unknown>
    }
  return { ...h, aws: call(), awsIn: call }
}

/** The AWS error a call throws: its __type and message; fails when the call succeeds or throws something else. */
export async function awsError(call: Promise<unknown>): Promise<{ type: string; message: string }> {
  try {
    await call
  } catch (error) {
    if (!isAwsError(error)) throw error
    return { type: error.awsType, message: error.message }
  }
  throw new Error('expected an AWS error')
}
