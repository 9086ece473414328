// sys/experiments: the experimental features this server offers and has enabled; Coffer has none.
import { definePath } from '../../sdk/framework/backend.ts'

export function experimentsPaths() {
  return [
    definePath({
      pattern: 'experiments',
      help: "The experiments available on this server and those enabled (Vault's -experiment flag); always empty.",
      operations: { read: async () => ({ data: { available: [], enabled: [] } }) },
    }),
  ]
}
