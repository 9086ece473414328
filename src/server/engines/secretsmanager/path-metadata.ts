// metadata/<name>: DescribeSecret; LIST metadata/ is ListSecrets for AWS clients and a name listing for Vault clients.
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { describeSecret } from './actions/describe-secret.ts'
import { awsActionOf, runAwsAction, smContext } from './aws-dispatch.ts'
import { listNames } from './listing.ts'
import type { SmState } from './state.ts'
import { vaultShape } from './vault-shape.ts'

const fields = {
  name: f.string({ description: 'The secret name.' }),
  SecretId: f.any(),
  Filters: f.any(),
  MaxResults: f.any(),
  NextToken: f.any(),
  SortBy: f.any(),
  SortOrder: f.any(),
  IncludePlannedDeletion: f.any(),
  SecretIdList: f.any(),
}

export const metadataPath = definePath<typeof fields, SmState>({
  pattern: 'metadata/*name',
  fields,
  listKeys: 'paths',
  help: "A secret's metadata: description, tags, labels, dates, rotation settings and deletion date.",
  operations: {
    read: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const out = await describeSecret(smContext(ctx), { SecretId: ctx.params['name'] })
      return { data: vaultShape(out) as Record<string, unknown> }
    },
    list: (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      return listNames(ctx.storage, ctx.params['name'] ?? '')
    },
  },
})
