// The rotation functions built into the server, by the name a RotationLambdaARN ends with.
import type { RotationFunction } from '../../sdk/rotation.ts'
import { randomPasswordRotator } from './random-password.ts'

export const BUILTIN_ROTATORS: Record<string, RotationFunction> = {
  'coffer-random-password': randomPasswordRotator,
}
