// An in-memory KeyService for engines' tests: keys with states and aliases, and a switch per KMS permission.
import { randomBytes, randomUUID } from 'node:crypto'
import { decryptValue, encryptValue } from '../../lib/sealed-value.ts'
import { AwsError } from '../aws-error.ts'
import type { KeyCaller, KeyService, KmsKeyRef } from '../key-service.ts'

export type KeyOp = 'generateDataKey' | 'encrypt' | 'decrypt'

export interface FakeKeys extends KeyService {
  /** A new Enabled key (a fresh id unless given), with `alias/<alias>` pointing at it when given. */
  create(alias?: string, keyId?: string): KmsKeyRef
  setState(keyId: string, state: 'Enabled' | 'Disabled' | 'PendingDeletion'): void
  /** Refuse `op` on `keyId` (every key when omitted) to request callers, as a missing capability would. */
  deny(op: KeyOp, keyId?: string): void
  allowAll(): void
  /** Every operation run, in order, with the EncryptionContext it carried. */
  calls: { op: KeyOp; keyId: string; context: Record<string, string>; caller: KeyCaller }[]
}

const arnOf = (keyId: string) => `arn:aws:kms:us-east-1:000000000000:key/${keyId}`
const aad = (context: Record<string, string>) =>
  Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : 1))), 'utf8')

export function fakeKeys(): FakeKeys {
  const keys = new Map<string, { material: Buffer; state: string }>()
  const aliases = new Map<string, string>()
  const denied = new Set<string>()
  const calls: FakeKeys['calls'] = []

  function usable(caller: KeyCaller, op: KeyOp, keyId: string, context: Record<string, string>) {
    const key = keys.get(keyId)
    if (!key) throw new AwsError('NotFoundException', `Key '${arnOf(keyId)}' does not exist`)
    if (caller !== 'server' && (denied.has(`${op}:*`) || denied.has(`${op}:${keyId}`)))
      throw new AwsError('AccessDeniedException', 'permission denied')
    if (key.state === 'Disabled') throw new AwsError('DisabledException', `${arnOf(keyId)} is disabled.`)
    if (key.state === 'PendingDeletion')
      throw new AwsError('KMSInvalidStateException', `${arnOf(keyId)} is pending deletion.`)
    calls.push({ op, keyId, context: { ...context }, caller })
    return key.material
  }
  const seal = (material: Buffer, plaintext: Buffer, context: Record<string, string>) =>
    Buffer.from(encryptValue(material, 0, plaintext, aad(context)))

  return {
    calls,
    create(alias, keyId = randomUUID()) {
      keys.set(keyId, { material: randomBytes(32), state: 'Enabled' })
      if (alias !== undefined) aliases.set(alias, keyId)
      return { keyId, arn: arnOf(keyId) }
    },
    setState(keyId, state) {
      keys.get(keyId)!.state = state
    },
    deny(op, keyId) {
      denied.add(`${op}:${keyId ?? '*'}`)
    },
    allowAll() {
      denied.clear()
    },
    async resolve(_caller, ref) {
      const alias = /^(?:arn:[^:]+:kms:[^:]*:[^:]*:)?alias\/(.+)$/.exec(ref)?.[1]
      const keyId = alias !== undefined ? aliases.get(alias) : (/key\/(.+)$/.exec(ref)?.[1] ?? ref)
      if (keyId === undefined || !keys.has(keyId))
        throw new AwsError('NotFoundException', 'Invalid keyId or alias.')
      return { keyId, arn: arnOf(keyId) }
    },
    async generateDataKey(caller, keyId, context) {
      const material = usable(caller, 'generateDataKey', keyId, context)
      const plaintext = randomBytes(32)
      return { plaintext, blob: seal(material, plaintext, context) }
    },
    async encrypt(caller, keyId, plaintext, context) {
      return seal(usable(caller, 'encrypt', keyId, context), plaintext, context)
    },
    async decrypt(caller, keyId, blob, context) {
      const material = usable(caller, 'decrypt', keyId, context)
      try {
        return Buffer.from(decryptValue(material, blob, aad(context)))
      } catch {
        throw new AwsError('InvalidCiphertextException', 'The ciphertext is invalid.')
      }
    },
  }
}
