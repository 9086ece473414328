// rotation/<name>: RotateSecret (write), CancelRotateSecret (delete), the rotation's status (read); LIST rotation/.

import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { cancelRotateSecret, rotateSecret } from './actions/rotation.ts'
import { awsActionOf, runAwsAction, smContext } from './aws-dispatch.ts'
import { loadAllRecords } from './model.ts'
import { findSecret } from './resolve.ts'
import { rotationStatus } from './rotation-status.ts'
import type { SmState } from './state.ts'
import { vaultShape } from './vault-shape.ts'

const shaped = (out: Record<string, unknown>) => ({ data: vaultShape(out) as Record<string, unknown> })

const rotationFields = {
  name: f.string({ description: 'The secret name.' }),
  rotation_lambda_arn: f.string({
    description:
      'The rotation function: arn:aws:lambda:<region>:<account>:function:<name> of a registered or built-in function.',
  }),
  automatically_after_days: f.int({ description: 'Days between rotations (1–1000).' }),
  schedule_expression: f.string({
    description: 'rate(N hours|days) or cron(...) in UTC; at least four hours apart.',
  }),
  duration: f.string({ description: 'The rotation window, 1h to 24h, e.g. 3h.' }),
  rotate_immediately: f.bool({ description: 'Start a rotation now (default true).' }),
  client_request_token: f.string({ description: 'The new version ID; repeating it repeats the same call.' }),
  SecretId: f.any(),
  ClientRequestToken: f.any(),
  RotationLambdaARN: f.any(),
  RotationRules: f.any(),
  RotateImmediately: f.any(),
}

export const rotationPath = definePath<typeof rotationFields, SmState>({
  pattern: 'rotation/*name',
  fields: rotationFields,
  listKeys: 'paths',
  help:
    'Write: configure rotation and rotate now unless rotate_immediately=false (RotateSecret); an empty write ' +
    'rotates now with the stored configuration. Read: the rotation status. Delete: stop rotations (CancelRotateSecret). ' +
    'LIST rotation/: the secrets with a rotation configuration.',
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
          RotateImmediately: input.rotate_immediately,
          ClientRequestToken: input.client_request_token,
        }),
      )
    },
    read: async (ctx) => {
      const record = await findSecret(smContext(ctx), ctx.params['name'] ?? '')
      return shaped(rotationStatus(record))
    },
    delete: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      return shaped(await cancelRotateSecret(smContext(ctx), { SecretId: ctx.params['name'] }))
    },
    list: async ({ storage }) => {
      const names = (await loadAllRecords(storage))
        .filter((r) => r.rotation?.lambdaArn !== undefined && r.deletedDate === undefined)
        .map((r) => r.name)
      return listResponse(names.sort())
    },
  },
})
