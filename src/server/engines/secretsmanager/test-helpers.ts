// The engine's test harness: calls each AWS action through the engine's paths as the adapter will, on a manual clock.
import { isAwsError } from '../../../sdk/aws-error.ts'
import { type SecretsManagerAction, secretsManagerRoute } from '../../../sdk/aws-secretsmanager-routes.ts'
import { type BackendHarness, buildBackend } from '../../../sdk/framework/backend-harness.ts'
import { type FakeKeys, fakeKeys } from '../../../sdk/framework/fake-keys.ts'
import type { SystemView } from '../../../sdk/request.ts'
import type { RotationEvent, RotationFunction, SecretsManagerApi } from '../../../sdk/rotation.ts'
import type { RotationListener, RotationRunner } from '../../../sdk/rotation-runner.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { secretsManagerBackend } from './backend.ts'
import type { SmState } from './state.ts'

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
  /** The KMS keys the engine is given (system.keys): an in-memory stand-in for the server's KMS mount. */
  keys: FakeKeys
}

export async function makeSm(
  options: {
    storage?: Storage
    mountOptions?: Record<string, string>
    rotation?: RotationRunner
    rotationEvents?: RotationListener
    keys?: FakeKeys
    log?: SystemView['log']
  } = {},
): Promise<SmHarness> {
  const keys = options.keys ?? fakeKeys()
  const h = await buildBackend(secretsManagerBackend, {
    keys,
    storage: options.storage ?? new MemoryStorage(),
    clock: { now: START },
    mount: { path: 'secretsmanager/', type: 'secretsmanager', options: options.mountOptions ?? {} },
    ...(options.rotation ? { rotation: options.rotation } : {}),
    ...(options.rotationEvents ? { rotationEvents: options.rotationEvents } : {}),
    ...(options.log ? { log: options.log } : {}),
  })
  return { ...withAws(h), keys }
}

/** The Secrets Manager calls of a rotation function, made through the harness as an AWS client makes them. */
export function smApi(raw: AwsCall): SecretsManagerApi {
  // Errors carry the AWS type as their name, as the AWS SDK's exceptions do.
  const aws: AwsCall = async (action, input) => {
    try {
      return await raw(action, input)
    } catch (error) {
      if (!isAwsError(error)) throw error
      throw Object.assign(new Error(error.message), { name: error.awsType })
    }
  }
  return {
    describeSecret: (input) => aws('DescribeSecret', input),
    getSecretValue: (input) => aws('GetSecretValue', input),
    putSecretValue: (input) => aws('PutSecretValue', input),
    updateSecretVersionStage: (input) => aws('UpdateSecretVersionStage', input),
    getRandomPassword: async (input) =>
      (await aws('GetRandomPassword', input)) as unknown as { RandomPassword: string },
  }
}

/**
 * A runner over in-process functions by name (`arn:aws:lambda:…:function:<name>` or the bare name), each step
 * calling the engine through `api()` (bound once the harness exists). Records every event it runs.
 */
export function functionRunner(
  functions: Record<string, RotationFunction>,
  api: () => SecretsManagerApi,
): RotationRunner & { events: RotationEvent[] } {
  const events: RotationEvent[] = []
  return {
    events,
    resolve: (arn) => {
      const name = /^arn:aws:lambda:[^:]*:[^:]*:function:([^:]+)$/.exec(arn)?.[1] ?? arn
      return name in functions ? name : undefined
    },
    open: async (target) => ({
      step: async (step) => {
        // This engine's rotations send Secrets Manager events only.
        const event = step as RotationEvent
        events.push(event)
        await functions[target.functionName]!(event, api())
      },
      close: async () => {},
    }),
  }
}

/** Run the periodic hook and wait for the rotations it started to end. */
export async function rotateDue(h: BackendHarness): Promise<void> {
  await h.periodic()
  await Promise.all((h.instance.state as SmState).rotations.values())
}

export function withAws(h: BackendHarness): Omit<SmHarness, 'keys'> {
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
