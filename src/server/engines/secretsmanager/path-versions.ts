// versions/<name>: ListSecretVersionIds on read, UpdateSecretVersionStage on write.

import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listSecretVersionIds } from './actions/list-secret-version-ids.ts'
import { updateSecretVersionStage } from './actions/update-secret-version-stage.ts'
import { awsActionOf, runAwsAction, smContext } from './aws-dispatch.ts'
import { smEvent, stageDetails, withSmEvent } from './sm-events.ts'
import type { SmState } from './state.ts'
import { vaultShape } from './vault-shape.ts'

const fields = {
  name: f.string({ description: 'The secret name.' }),
  include_deprecated: f.bool({ description: 'Also list versions that have no label.' }),
  version_stage: f.string({ description: 'The label to move or remove.' }),
  move_to_version_id: f.string({ description: 'The version that gets the label.' }),
  remove_from_version_id: f.string({ description: 'The version that has the label now.' }),
  SecretId: f.any(),
  IncludeDeprecated: f.any(),
  MaxResults: f.any(),
  NextToken: f.any(),
  VersionStage: f.any(),
  MoveToVersionId: f.any(),
  RemoveFromVersionId: f.any(),
}

export const versionsPath = definePath<typeof fields, SmState>({
  pattern: 'versions/*name',
  fields,
  help: "A secret's versions and their staging labels; a write moves or removes one label.",
  operations: {
    read: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const out = await listSecretVersionIds(smContext(ctx), {
        SecretId: ctx.params['name'],
        IncludeDeprecated: ctx.input.include_deprecated,
      })
      return { data: vaultShape(out) as Record<string, unknown> }
    },
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const { input } = ctx
      const out = await updateSecretVersionStage(smContext(ctx), {
        SecretId: ctx.params['name'],
        VersionStage: input.version_stage,
        MoveToVersionId: input.move_to_version_id,
        RemoveFromVersionId: input.remove_from_version_id,
      })
      const event = smEvent(
        'UpdateSecretVersionStage',
        ctx.request.path,
        out,
        stageDetails('UpdateSecretVersionStage', ctx.request.data),
      )
      return withSmEvent({ data: vaultShape(out) as Record<string, unknown> }, event)
    },
  },
})
