// tags/<name> (TagResource, UntagResource) and restore/<name> (RestoreSecret).
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { restoreSecret } from './actions/delete-secret.ts'
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
