// The periodic hook's rotation part: start every due rotation or retry, one per secret, without holding up the tick.
import { errorMessage } from '../../../lib/error-message.ts'
import { loadAllRecords, storeIdOf } from './model.ts'
import { type RotationEnv, runDueRotation } from './rotation-job.ts'
import { rotationWakeAt } from './rotation-plan.ts'

/**
 * Look through the secrets once something is due (setup makes the first tick look: a rotation that fell due while
 * the server was down runs then, once). A rotation runs in the background; its secret is skipped while it does.
 */
export async function launchDueRotations(env: RotationEnv): Promise<void> {
  const { state } = env
  const now = env.system.now()
  if (now < state.nextRotationDue || state.stopping.signal.aborted) return
  state.nextRotationDue = Number.POSITIVE_INFINITY
  for (const record of await loadAllRecords(env.storage)) {
    const wake = rotationWakeAt(record)
    if (wake === undefined) continue
    const id = storeIdOf(record)
    // A running rotation reports its next wake-up itself when it ends.
    if (state.rotations.has(id)) continue
    if (wake > now) {
      state.rotationDueAt(wake)
      continue
    }
    const job = runDueRotation(env, id)
      .catch((error) => env.system.log('error', 'rotation failed to run', { error: errorMessage(error) }))
      .finally(() => state.rotations.delete(id))
    state.rotations.set(id, job)
  }
}

/** At unload: running steps are told to stop, and the unload waits for them to record where they stand. */
export async function stopRotations(env: Pick<RotationEnv, 'state'>): Promise<void> {
  env.state.stopping.abort()
  await Promise.allSettled([...env.state.rotations.values()])
}
