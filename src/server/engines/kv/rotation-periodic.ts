// The KV v2 periodic hook's rotation part: start every due rotation or retry, one per secret, without holding up the tick.
import { errorMessage } from '../../../lib/error-message.ts'
import { listRecursive } from '../../../sdk/storage.ts'
import { type KvRotationEnv, runDueKvRotation } from './rotation-job.ts'
import { loadRotation, rotationWakeAt } from './rotation-record.ts'
import { ROTATION_PREFIX } from './storage-keys.ts'

/** Look through the rotations once one is due; a rotation runs in the background and its path is skipped meanwhile. */
export async function launchDueKvRotations(env: KvRotationEnv): Promise<void> {
  const { state } = env
  const now = env.system.now()
  if (now < state.nextRotationDue || state.stopping.signal.aborted) return
  state.nextRotationDue = Number.POSITIVE_INFINITY
  for (const key of await listRecursive(env.storage, ROTATION_PREFIX)) {
    const path = key.slice(ROTATION_PREFIX.length)
    const rotation = await loadRotation(env.storage, path)
    const wake = rotation ? rotationWakeAt(rotation) : undefined
    if (wake === undefined || state.rotations.has(path)) continue
    if (wake > now) {
      state.rotationDueAt(wake)
      continue
    }
    const job = runDueKvRotation(env, path)
      .catch((error) => env.system.log('error', 'rotation failed to run', { error: errorMessage(error) }))
      .finally(() => state.rotations.delete(path))
    state.rotations.set(path, job)
  }
}

/** At unload: running steps are told to stop, and the unload waits for them to record where they stand. */
export async function stopKvRotations(state: KvRotationEnv['state']): Promise<void> {
  state.stopping.abort()
  await Promise.allSettled([...state.rotations.values()])
}
