// Database work on a config as stored when the work reaches the pool: read again if it was closed since.
import { InvalidRequestError, UpstreamError } from '../../../sdk/errors.ts'
import type { SystemView } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { StaleConfigError } from './connections.ts'
import type { DatabaseConnection } from './plugins/plugin.ts'
import { configForUse, type UsableConfig } from './root-credentials.ts'
import type { DbState } from './state.ts'

interface Ctx {
  storage: Storage
  system: SystemView
  state: DbState
}

export type UseConnection = <T>(fn: (connection: DatabaseConnection) => Promise<T>) => Promise<T>

/** A config rewritten or reset this many times in a row under one request is given up on. */
const MAX_ATTEMPTS = 5

/**
 * Run `attempt` with the config `name` (read after noting its pool's generation) and a `use` bound to it. When the
 * config was rewritten, reset or deleted before `use` held the pool, the attempt runs again on what is stored now,
 * so a request never creates a user through a deleted config, nor reopens a pool for settings that are gone.
 */
export async function withConfig<T>(
  ctx: Ctx,
  name: string,
  attempt: (config: UsableConfig, use: UseConnection) => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    const generation = ctx.state.connections.generation(name)
    const config = await configForUse(ctx, name)
    if (!config) throw new InvalidRequestError(`could not find database config "${name}"`)
    try {
      return await attempt(config, (fn) => ctx.state.connections.use(name, config, fn, generation))
    } catch (error) {
      if (!(error instanceof StaleConfigError)) throw error
      if (tries >= MAX_ATTEMPTS)
        throw new UpstreamError(`database config "${name}" kept changing while it was being used`)
    }
  }
}
