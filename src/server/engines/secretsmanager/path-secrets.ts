// secrets/<name>: the value (GetSecretValue), create or new version (CreateSecret, PutSecretValue, UpdateSecret), delete.
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import { createSecret } from './actions/create-secret.ts'
import { deleteSecret } from './actions/delete-secret.ts'
import { getSecretValue } from './actions/get-secret-value.ts'
import { putSecretValue } from './actions/put-secret-value.ts'
import { updateSecret } from './actions/update-secret.ts'
import { awsActionOf, runAwsAction, smContext } from './aws-dispatch.ts'
import { listNames } from './listing.ts'
import { loadRecord } from './model.ts'
import { smEvent, withSmEvent } from './sm-events.ts'
import type { SmState } from './state.ts'
import { tagList, vaultShape } from './vault-shape.ts'

/** The AWS members, declared so audit HMACs the values and unknown-field warnings stay quiet. */
export const awsFields = {
  SecretId: f.any(),
  Name: f.any(),
  SecretString: f.any({ sensitive: true, description: 'AWS form of secret_string.' }),
  SecretBinary: f.any({ sensitive: true, description: 'AWS form of secret_binary.' }),
  ClientRequestToken: f.any(),
  Description: f.any(),
  KmsKeyId: f.any(),
  Type: f.any(),
  Tags: f.any(),
  VersionId: f.any(),
  VersionStage: f.any(),
  VersionStages: f.any(),
  RotationToken: f.any({ sensitive: true }),
  RecoveryWindowInDays: f.any(),
  ForceDeleteWithoutRecovery: f.any(),
  AddReplicaRegions: f.any(),
  ForceOverwriteReplicaSecret: f.any(),
}

const fields = {
  name: f.string({ description: 'The secret name (letters, digits and /_+=.@-).' }),
  secret_string: f.string({ sensitive: true, description: 'A text value for a new version.' }),
  secret_binary: f.string({ sensitive: true, description: 'A binary value for a new version, base64.' }),
  description: f.string({ description: 'The secret description.' }),
  kms_key_id: f.string({ description: 'Stored and reported; encryption is the barrier.' }),
  tags: f.stringMap({ description: 'Tags to create the secret with.' }),
  version_stages: f.list({ description: 'Labels for the new version (AWSCURRENT by default).' }),
  client_request_token: f.string({ description: 'Idempotency token; becomes the version ID.' }),
  version_id: f.string({ description: 'On read, the version to return.' }),
  version_stage: f.string({
    description: 'On read, the label of the version to return (AWSCURRENT by default).',
  }),
  recovery_window_in_days: f.int({ description: 'On delete, days before the purge (7–30, default 30).' }),
  force_delete_without_recovery: f.bool({ description: 'On delete, remove at once with no recovery.' }),
  ...awsFields,
}

const shaped = (out: Record<string, unknown>): LogicalResponse => ({
  data: vaultShape(out) as Record<string, unknown>,
})

export const secretsPath = definePath<typeof fields, SmState>({
  pattern: 'secrets/*name',
  fields,
  listKeys: 'paths',
  help: 'Read a secret value, create a secret or add a version, schedule its deletion; LIST names.',
  exists: async ({ storage, params }) => (await loadRecord(storage, params['name'] ?? '')) !== undefined,
  operations: {
    read: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const { input } = ctx
      return shaped(
        await getSecretValue(smContext(ctx), {
          SecretId: ctx.params['name'],
          VersionId: input.version_id,
          VersionStage: input.version_stage,
        }),
      )
    },
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const { input } = ctx
      const name = ctx.params['name'] ?? ''
      const sm = smContext(ctx)
      const value = { SecretString: input.secret_string, SecretBinary: input.secret_binary }
      const path = ctx.request.path
      // Create or add a version as the request was authorised (create when no secret existed at the ACL check),
      // not from a second look here: a create must never add a version to a secret another writer created since
      // (its caller may hold no update capability), and an update never re-creates a secret deleted since.
      if (ctx.request.operation === 'create') {
        const created = await createSecret(sm, {
          Name: name,
          ...value,
          Description: input.description,
          KmsKeyId: input.kms_key_id,
          Tags: tagList(input.tags),
          ClientRequestToken: input.client_request_token,
        })
        return withSmEvent(shaped(created), smEvent('CreateSecret', path, created))
      }
      const hasValue = value.SecretString !== undefined || value.SecretBinary !== undefined
      const changesSecret = input.description !== undefined || input.kms_key_id !== undefined
      // A new description or key with a new value is one UpdateSecret, under one lock: a delete cannot land between
      // the change and the version. Only labels other than AWSCURRENT need PutSecretValue, as a second step.
      if (changesSecret && hasValue && input.version_stages === undefined) {
        const out = await updateSecret(sm, {
          SecretId: name,
          Description: input.description,
          KmsKeyId: input.kms_key_id,
          ...value,
          ClientRequestToken: input.client_request_token,
        })
        return withSmEvent(shaped(out), smEvent('UpdateSecret', path, out))
      }
      let updated: Record<string, unknown> | undefined
      if (changesSecret)
        updated = await updateSecret(sm, {
          SecretId: name,
          Description: input.description,
          KmsKeyId: input.kms_key_id,
        })
      if (!hasValue) return updated ? { events: [smEvent('UpdateSecret', path, updated)!] } : undefined
      const put = await putSecretValue(sm, {
        SecretId: name,
        ...value,
        VersionStages: input.version_stages,
        ClientRequestToken: input.client_request_token,
      })
      return withSmEvent(shaped(put), smEvent('PutSecretValue', path, put))
    },
    delete: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const { input } = ctx
      const out = await deleteSecret(smContext(ctx), {
        SecretId: ctx.params['name'],
        RecoveryWindowInDays: input.recovery_window_in_days,
        ForceDeleteWithoutRecovery: input.force_delete_without_recovery,
      })
      return withSmEvent(shaped(out), smEvent('DeleteSecret', ctx.request.path, out))
    },
    list: ({ storage, params }) => listNames(storage, params['name'] ?? ''),
  },
})
