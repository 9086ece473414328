// The SSM Parameter Store engine: AWS's parameters (versions, labels, tags, SecureString) behind per-parameter Vault paths.
import type { StoredValue } from '../../../sdk/framework/backend.ts'
import { defineBackend } from '../../../sdk/framework/backend.ts'
import type { KeyService } from '../../../sdk/key-service.ts'
import { arnOf } from './context.ts'
import { ssmInventory } from './inventory.ts'
import { openParameterValue } from './kms-value.ts'
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
  // SecureString under a customer key: values are sealed and opened under it, with the caller's KMS permissions.
  usesKeyService: true,
  paths: [parametersPath, labelsPath, tagsPath],
  setup: () => new SsmState(),
  storedValues: (ctx) => storedValues(ctx.storage, ctx.system.mount.path, ctx.system.keys),
  inventory: (ctx) => ssmInventory(ctx),
})

/** Every version's value, for the leak fingerprint index. */
async function* storedValues(
  storage: Parameters<typeof loadAllRecords>[0],
  mountPath: string,
  keys: KeyService | undefined,
): AsyncIterable<StoredValue> {
  // The ARN only binds the unchecked probe of a version stored before sealing; a sealed one carries its own.
  const arn = (name: string) => arnOf({ region: 'us-east-1', accountId: '000000000000' }, name)
  for (const record of await loadAllRecords(storage))
    for (const version of record.versions) {
      // A sealed value is opened by the server: fingerprints are kept, never the value.
      const value = await openParameterValue({ keys, caller: 'server' }, version, arn(record.name)).catch(
        () => undefined,
      )
      if (value !== undefined)
        yield {
          path: `${mountPath}parameters/${record.name.replace(/^\/+/, '')}`,
          field: 'Value',
          version: version.version,
          value,
        }
    }
}
