// The rotation functions built into the server, by the name a RotationLambdaARN ends with.
import type { KvRotationFunction, RotationFunction } from '../../sdk/rotation.ts'
import { builtinRotators } from '../rotators/index.ts'
import { kvRandomPasswordRotator } from './kv-random-password.ts'
import { randomPasswordRotator } from './random-password.ts'

/** The database rotators (server/rotators) under a `coffer-` prefix, so no registered function's name can shadow them. */
function prefixed(rotators: Record<string, RotationFunction>): Record<string, RotationFunction> {
  return Object.fromEntries(Object.entries(rotators).map(([name, fn]) => [`coffer-${name}`, fn]))
}

export const BUILTIN_ROTATORS: Record<string, RotationFunction> = {
  'coffer-random-password': randomPasswordRotator,
  ...prefixed(builtinRotators),
}

/** The functions for KV v2 secrets (the same names serve each kind: the secret's engine picks the registry). */
export const KV_BUILTIN_ROTATORS: Record<string, KvRotationFunction> = {
  'coffer-random-password': kvRandomPasswordRotator,
}
