// The built-in `coffer-random-password` for KV v2 secrets: the next version with a new password in one field.
import type { KvRotationFunction } from '../../sdk/rotation.ts'

/**
 * Reads the current version, puts a new password in `Field` (the other fields stay as they are) and writes it with
 * check-and-set on the version the rotation started from. A current version newer than that one means an earlier
 * attempt of this rotation (or a writer in between) already replaced the value: nothing more to do.
 */
export const kvRandomPasswordRotator: KvRotationFunction = async (event, kv) => {
  const current = await kv.read()
  if (!current) throw new Error(`${event.Mount}data/${event.Path} has no readable current version to rotate`)
  if (current.version > event.Version) return
  const password = await kv.generatePassword(event.PasswordPolicy)
  await kv.write({ ...current.data, [event.Field]: password }, event.Version)
}
