// The transit engine's test harness: the backend mounted at transit/ over memory storage, and stored-key access for known-answer tests.
import { AwsError } from '../../../sdk/aws-error.ts'
import { type BackendHarness, buildBackend } from '../../../sdk/framework/backend-harness.ts'
import { getJson, putJson } from '../../../sdk/storage.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { transitBackend } from './backend.ts'
import { keyStorageKey, type TransitKey } from './model.ts'

export { dataOf, failure } from '../../../sdk/framework/backend-harness.ts'

export const START = Date.UTC(2024, 0, 2, 3, 4, 5)

export function makeTransit(): Promise<BackendHarness> {
  return buildBackend(transitBackend, {
    storage: new MemoryStorage(),
    clock: { now: START },
    mount: { path: 'transit/', type: 'transit', accessor: 'transit_0001' },
  })
}

/** The key as stored, to check ciphertexts independently of the engine's own code. */
export async function storedKey(h: BackendHarness, name: string): Promise<TransitKey> {
  const key = await getJson<TransitKey>(h.storage, keyStorageKey(name))
  if (key === undefined) throw new Error(`no stored key ${name}`)
  return key
}

/** Replace a stored key (a known-answer test plants known key bytes). */
export function plantKey(h: BackendHarness, key: TransitKey): Promise<void> {
  return putJson(h.storage, keyStorageKey(key.name), key)
}

export const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64')

/** The call options that make a harness call a KMS action (the header the AWS front door sets). */
export const kms = (action: string) => ({ headers: { 'x-amz-target': `TrentService.${action}` } })

/** The AWS error type a call failed with, 'no error' when it succeeded, or what else it threw. */
export const awsType = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise
  } catch (error) {
    return error instanceof AwsError ? error.awsType : `not an AwsError: ${String(error)}`
  }
  return 'no error'
}
