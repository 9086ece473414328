// The rotation functions built into the server, by the name a RotationLambdaARN ends with.
import type { RotationFunction } from '../../sdk/rotation.ts'
import { builtinRotators } from '../rotators/index.ts'
import { randomPasswordRotator } from './random-password.ts'

/** The database rotators (server/rotators) under a `coffer-` prefix, so no registered function's name can shadow them. */
function prefixed(rotators: Record<string, RotationFunction>): Record<string, RotationFunction> {
  return Object.fromEntries(Object.entries(rotators).map(([name, fn]) => [`coffer-${name}`, fn]))
}

export const BUILTIN_ROTATORS: Record<string, RotationFunction> = {
  'coffer-random-password': randomPasswordRotator,
  ...prefixed(builtinRotators),
}
