// tags/<name> (TagResource, UntagResource), restore/<name> (RestoreSecret), rotation/<name> (RotateSecret, CancelRotateSecret).

import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { restoreSecret } from './actions/delete-secret.ts'
import { cancelRotateSecret, rotateSecret } from './actions/rotation.ts'
import { tagResource, untagResource } from './actions/tags.ts'
import { awsActionOf, runAwsAction, smContext } from './aws-dispatch.ts'
import { smEvent, withSmEvent } from './sm-events.ts'
import type { SmState } from './state.ts'
import { tagList, vaultShape } from './vault-shape.ts'

const shaped = (out: Record<string, unknown>) => ({ data: vaultShape(out) as Record<string, unknown> })

const tagFields = {
  name: f.string({ description: 'The secret name.' }),
  tags: f.stringMap({ description: 'Tags to add or change.' }),
  tag_keys: f.list({ description: 'On delete, the tag keys to remove.' }),
  SecretId: f.any(),
  Tags: f.any(),
  TagKeys: f.any(),
}

export const tagsPath = definePath<typeof tagFields, SmState>({
  pattern: 'tags/*name',
  fields: tagFields,
  help: "Add or change a secret's tags; delete removes the keys given in tag_keys.",
  operations: {
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      await tagResource(smContext(ctx), { SecretId: ctx.params['name'], Tags: tagList(ctx.input.tags) ?? [] })
      return undefined
    },
    delete: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      await untagResource(smContext(ctx), { SecretId: ctx.params['name'], TagKeys: ctx.input.tag_keys ?? [] })
      return undefined
    },
  },
})

const restoreFields = { name: f.string({ description: 'The secret name.' }), SecretId: f.any() }

export const restorePath = definePath<typeof restoreFields, SmState>({
  pattern: 'restore/*name',
  fields: restoreFields,
  help: 'Cancel the scheduled deletion of a secret.',
  operations: {
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const out = await restoreSecret(smContext(ctx), { SecretId: ctx.params['name'] })
      return withSmEvent(shaped(out), smEvent('RestoreSecret', ctx.request.path, out))
    },
  },
})

const rotationFields = {
  name: f.string({ description: 'The secret name.' }),
  rotation_lambda_arn: f.string({ description: 'The rotation function to record.' }),
  automatically_after_days: f.int({ description: 'Days between rotations (1–1000).' }),
  schedule_expression: f.string({ description: 'rate(...) or cron(...), UTC.' }),
  duration: f.string({ description: 'The rotation window, e.g. 3h.' }),
  SecretId: f.any(),
  ClientRequestToken: f.any(),
  RotationLambdaARN: f.any(),
  RotationRules: f.any(),
  RotateImmediately: f.any(),
}

export const rotationPath = definePath<typeof rotationFields, SmState>({
  pattern: 'rotation/*name',
  fields: rotationFields,
  help: 'Store a rotation configuration (rotations themselves are not run yet); delete disables it.',
  operations: {
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const { input } = ctx
      const rules = Object.fromEntries(
        Object.entries({
          AutomaticallyAfterDays: input.automatically_after_days,
          ScheduleExpression: input.schedule_expression,
          Duration: input.duration,
        }).filter(([, v]) => v !== undefined),
      )
      return shaped(
        await rotateSecret(smContext(ctx), {
          SecretId: ctx.params['name'],
          RotationLambdaARN: input.rotation_lambda_arn,
          RotationRules: Object.keys(rules).length > 0 ? rules : undefined,
        }),
      )
    },
    delete: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      return shaped(await cancelRotateSecret(smContext(ctx), { SecretId: ctx.params['name'] }))
    },
  },
})
