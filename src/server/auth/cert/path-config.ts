// config: the mount's settings (disable_binding, enable_identity_alias_metadata), read and written as in Vault.
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { loadConfig, saveConfig } from './cert-store.ts'
import type { CertState } from './state.ts'

const fields = {
  disable_binding: f.bool({
    description:
      'Renew without presenting and re-verifying the login certificate (only the role and its policies are checked).',
  }),
  enable_identity_alias_metadata: f.bool({ description: 'Copy the login metadata onto the identity alias.' }),
}

export const configPath = definePath<typeof fields, CertState>({
  pattern: 'config',
  fields,
  help: 'Settings of this cert auth mount.',
  operations: {
    read: async ({ storage }) => {
      const config = await loadConfig(storage)
      return {
        data: {
          disable_binding: config.disableBinding,
          enable_identity_alias_metadata: config.enableIdentityAliasMetadata,
        },
      }
    },
    update: async ({ storage, state, input }) =>
      state.locks.run('\0config', async () => {
        const config = await loadConfig(storage)
        if (input.disable_binding !== undefined) config.disableBinding = input.disable_binding
        if (input.enable_identity_alias_metadata !== undefined)
          config.enableIdentityAliasMetadata = input.enable_identity_alias_metadata
        await saveConfig(storage, config)
        return undefined
      }),
  },
})
