// export/:type/:name[/:version]: key material of exportable keys (public keys of any asymmetric key), in Vault's encodings.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import {
  isAsymmetric,
  isEcdsa,
  isRsa,
  isSymmetric,
  supportsEncryption,
  supportsSigning,
} from './key-types.ts'
import { NEVER_LEAVES, refuseIfKmsKey } from './kms-state.ts'
import {
  type KeyVersion,
  liveVersions,
  type loadKey,
  loadKeyShared,
  privateKeyOf,
  type TransitKey,
} from './model.ts'
import { ed25519GoPrivateKey, publicKeyText } from './signing.ts'
import type { TransitState } from './state.ts'

const EXPORT_TYPES = ['encryption-key', 'signing-key', 'hmac-key', 'public-key'] as const
type ExportType = (typeof EXPORT_TYPES)[number]

const fields = {
  type: f.string({ required: true, description: 'encryption-key, signing-key, hmac-key or public-key.' }),
  name: f.string({ required: true }),
  version: f.string({ description: 'A version number or "latest"; every live version when absent.' }),
}

/** Checks that the key can be exported as `type` at all, with Vault's messages. */
function checkExportable(key: TransitKey, type: ExportType): void {
  if (type !== 'public-key' && !key.exportable)
    throw new InvalidRequestError('private key material is not exportable')
  if (type === 'encryption-key' && !supportsEncryption(key.type))
    throw new InvalidRequestError('encryption not supported for the key')
  if (type === 'signing-key' && !supportsSigning(key.type))
    throw new InvalidRequestError('signing not supported for the key')
  if (type === 'public-key' && !isAsymmetric(key.type))
    throw new InvalidRequestError(`public-key export not supported for key type ${key.type}`)
  if (type === 'public-key' && key.derived)
    throw new InvalidRequestError('public-key export not supported for derived keys')
}

/** One version's material: base64 for symmetric, HMAC and Ed25519 keys; PKCS#1 (RSA) or SEC 1 (EC) PEM otherwise. */
function exported(key: TransitKey, type: ExportType, version: string, entry: KeyVersion): string {
  if (type === 'hmac-key') return entry.hmac_key
  if (type === 'public-key') return publicKeyText(key, Number(version))
  if (isSymmetric(key.type)) return entry.key ?? ''
  const pem = entry.private_key ?? ''
  if (key.type === 'ed25519') return ed25519GoPrivateKey(pem).toString('base64')
  const privateKey = privateKeyOf(entry)
  if (isRsa(key.type)) return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
  if (isEcdsa(key.type)) return privateKey.export({ type: 'sec1', format: 'pem' }).toString()
  throw new InvalidRequestError(`export not supported for key type ${key.type}`)
}

async function exportKey({
  storage,
  input,
}: {
  storage: Parameters<typeof loadKey>[0]
  input: { type?: string | undefined; name?: string | undefined; version?: string | undefined }
}) {
  const type = input.type ?? ''
  if (!(EXPORT_TYPES as readonly string[]).includes(type))
    throw new InvalidRequestError(`invalid export type: ${type}`)
  const key = await loadKeyShared(storage, input.name ?? '')
  if (key === undefined) return undefined
  if (type !== 'public-key') await refuseIfKmsKey(storage, key.name, 'export', NEVER_LEAVES)
  checkExportable(key, type as ExportType)
  let versions = liveVersions(key)
  if (input.version !== undefined && input.version !== '') {
    const wanted = input.version === 'latest' ? key.latest_version : Number(input.version.replace(/^v/, ''))
    if (!Number.isInteger(wanted)) throw new InvalidRequestError('invalid key version')
    if (wanted < key.min_decryption_version)
      throw new InvalidRequestError('version for export is below minimum decryption version')
    versions = versions.filter(([version]) => Number(version) === wanted)
    if (versions.length === 0) throw new InvalidRequestError('version does not exist or cannot be found')
  }
  const keys = Object.fromEntries(
    versions.map(([version, entry]) => [version, exported(key, type as ExportType, version, entry)]),
  )
  return { data: { name: key.name, type: key.type, keys } }
}

export const exportPath = definePath<typeof fields, TransitState>({
  pattern: 'export/:type/:name',
  fields,
  help: 'Exports the key material of every live version of an exportable key.',
  operations: { read: exportKey },
})

export const exportVersionPath = definePath<typeof fields, TransitState>({
  pattern: 'export/:type/:name/:version',
  fields,
  help: 'Exports one version ("latest" or a number) of an exportable key.',
  operations: { read: exportKey },
})
