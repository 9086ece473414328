// Keeps a secret's own values out of a rotation failure report: a function's output may echo what it read.
import type { KeyService } from '../../../sdk/key-service.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { loadValue, type SecretRecord, storeIdOf } from './model.ts'
import { openStored } from './version-crypto.ts'

/** Values shorter than this are left alone: they would blank out ordinary words. */
const MIN_SECRET_LENGTH = 6

/** Every string a version's value holds: the SecretString itself and, for a JSON object, each string member. */
function secretsIn(text: string): string[] {
  const out = [text]
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed && typeof parsed === 'object')
      for (const value of Object.values(parsed)) if (typeof value === 'string') out.push(value)
  } catch {}
  return out
}

/** `message` with every value of every version of the secret (and their JSON members) replaced by [redacted]. */
export async function redactSecretValues(
  storage: Storage,
  record: SecretRecord,
  message: string,
  keys?: KeyService,
): Promise<string> {
  const secrets = new Set<string>()
  for (const [id, meta] of Object.entries(record.versions)) {
    if (meta.noValue) continue
    // A version sealed under a KMS key is opened by the server itself: the clear text only serves to blank it out.
    const value = await loadValue(storage, storeIdOf(record), id)
      .then((stored) => openStored({ keys, caller: 'server' }, record, stored))
      .catch(() => undefined)
    if (value?.SecretString !== undefined) for (const s of secretsIn(value.SecretString)) secrets.add(s)
    if (value?.SecretBinary !== undefined) secrets.add(value.SecretBinary)
  }
  let out = message
  // Longest first, so a JSON document is replaced whole before its members are looked for.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join('[redacted]')
  return out
}
