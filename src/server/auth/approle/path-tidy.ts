// tidy/secret-id: remove expired secret IDs and accessors left without a secret ID (also run every minute).
import { definePath } from '../../../sdk/framework/backend.ts'
import { tidySecretIds } from './secret-id-store.ts'
import type { ApproleState } from './state.ts'

export const tidyPath = definePath<Record<string, never>, ApproleState>({
  pattern: 'tidy/secret-id',
  help: 'Remove expired secret IDs and dangling accessors.',
  operations: {
    update: async ({ storage, state, system }) => {
      const removed = await tidySecretIds(storage, state, system.now())
      state.lastTidy = system.now()
      return {
        data: { secret_ids_removed: removed },
        warnings: [`Tidy finished: removed ${removed} expired secret IDs.`],
      }
    },
  },
})
