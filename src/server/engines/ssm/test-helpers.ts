// The engine's test harness: each AWS action through the engine's paths as the adapter routes it, on a manual clock.
import { isAwsError } from '../../../sdk/aws-error.ts'
import { deleteParametersEach, fillPathPage, getParametersEach } from '../../../sdk/aws-ssm-fanout.ts'
import { type SsmAction, ssmRoute } from '../../../sdk/aws-ssm-routes.ts'
import { type BackendHarness, buildBackend } from '../../../sdk/framework/backend-harness.ts'
import { type FakeKeys, fakeKeys } from '../../../sdk/framework/fake-keys.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { ssmBackend } from './backend.ts'

export const START = Date.UTC(2026, 0, 2, 3, 4, 5)

export interface SsmHarness extends BackendHarness {
  /** One AWS action as the adapter runs it: its route's operation and path, multi-parameter actions fanned out. */
  aws(action: SsmAction, input?: Record<string, unknown>): Promise<Record<string, unknown>>
  /** The server's KMS keys, as the mount sees them. */
  keys: FakeKeys
}

export async function makeSsm(options: { keys?: FakeKeys } = {}): Promise<SsmHarness> {
  const keys = options.keys ?? fakeKeys()
  const h = await buildBackend(ssmBackend, {
    keys,
    storage: new MemoryStorage(),
    clock: { now: START },
    mount: { path: 'ssm/', type: 'ssm', options: {} },
  })
  const one = async (action: SsmAction, input: Record<string, unknown>) => {
    const route = ssmRoute(action, input)
    const response = await h.call(route.operation, route.path, input, {
      headers: { 'x-amz-target': `AmazonSSM.${action}` },
    })
    return (response?.data ?? {}) as Record<string, unknown>
  }
  const aws = async (action: SsmAction, input: Record<string, unknown> = {}) => {
    const get = (i: Record<string, unknown>) => one('GetParameter', i)
    if (action === 'GetParameters') return getParametersEach(input, get)
    if (action === 'DeleteParameters') return deleteParametersEach(input, (i) => one('DeleteParameter', i))
    if (action === 'GetParametersByPath')
      return fillPathPage(await one(action, input), input['WithDecryption'] === true, get)
    return one(action, input)
  }
  return { ...h, aws, keys }
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
