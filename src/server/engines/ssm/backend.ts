// The SSM Parameter Store engine: AWS's parameters (versions, labels, tags, SecureString) behind per-parameter Vault paths.
import type { StoredValue } from '../../../sdk/framework/backend.ts'
import { defineBackend } from '../../../sdk/framework/backend.ts'
import { ssmInventory } from './inventory.ts'
import { loadAllRecords } from './model.ts'
import { parametersPath } from './path-parameters.ts'
import { labelsPath, tagsPath } from './path-resource.ts'
import { SsmState } from './state.ts'

export const ssmBackend = defineBackend<SsmState>({
  kind: 'secret',
  help:
    'The ssm backend keeps parameters the way AWS Systems Manager Parameter Store does (String, StringList and ' +
    'SecureString values, versions, labels, tags) and serves them to AWS clients through the AWS adapter. Mount ' +
    'options: region (default us-east-1) and account_id (default 000000000000).',
  paths: [parametersPath, labelsPath, tagsPath],
  setup: () => new SsmState(),
  storedValues: (ctx) => storedValues(ctx.storage, ctx.system.mount.path),
  inventory: (ctx) => ssmInventory(ctx),
})

/** Every version's value, for the leak fingerprint index. */
async function* storedValues(
  storage: Parameters<typeof loadAllRecords>[0],
  mountPath: string,
): AsyncIterable<StoredValue> {
  for (const record of await loadAllRecords(storage))
    for (const version of record.versions)
      yield {
        path: `${mountPath}parameters/${record.name.replace(/^\/+/, '')}`,
        field: 'Value',
        version: version.version,
        value: version.value,
      }
}
