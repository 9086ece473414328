// labels/<name> (LabelParameterVersion, UnlabelParameterVersion) and tags/<name> (add, remove, list tags).
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { labelParameterVersion, unlabelParameterVersion } from './actions/labels.ts'
import { addTagsToResource, listTagsForResource, removeTagsFromResource } from './actions/tags.ts'
import { awsActionOf, engineContext, runAwsAction } from './aws-dispatch.ts'
import { loadRecord } from './model.ts'
import type { SsmState } from './state.ts'

/** Vault clients pass AWS's members in the body; the name comes from the path. */
const labelFields = {
  name: f.string({ description: 'The parameter name without its leading slash.' }),
  Name: f.any(),
  ParameterVersion: f.any({ description: 'The version to (un)label; the latest by default when labelling.' }),
  Labels: f.any({ description: 'The labels.' }),
}

async function storedName(storage: Parameters<typeof loadRecord>[0], rel: string): Promise<string> {
  return (await loadRecord(storage, `/${rel}`)) || !(await loadRecord(storage, rel)) ? `/${rel}` : rel
}

export const labelsPath = definePath<typeof labelFields, SsmState>({
  pattern: 'labels/*name',
  fields: labelFields,
  help: "Attach labels to a parameter version (update) or remove them (delete), AWS's members in the body.",
  operations: {
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const Name = await storedName(ctx.storage, ctx.params['name'] ?? '')
      return { data: await labelParameterVersion(engineContext(ctx), { ...ctx.request.data, Name }) }
    },
    delete: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const Name = await storedName(ctx.storage, ctx.params['name'] ?? '')
      return { data: await unlabelParameterVersion(engineContext(ctx), { ...ctx.request.data, Name }) }
    },
  },
})

const tagFields = {
  name: f.string({ description: 'The parameter name without its leading slash.' }),
  ResourceType: f.any(),
  ResourceId: f.any(),
  Tags: f.any({ description: 'Tags to add: [{Key, Value}].' }),
  TagKeys: f.any({ description: 'Tag keys to remove.' }),
}

export const tagsPath = definePath<typeof tagFields, SsmState>({
  pattern: 'tags/*name',
  fields: tagFields,
  help: "A parameter's tags: read lists them, update adds or changes them, delete removes TagKeys.",
  operations: {
    read: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const ResourceId = await storedName(ctx.storage, ctx.params['name'] ?? '')
      return {
        data: await listTagsForResource(engineContext(ctx), { ResourceType: 'Parameter', ResourceId }),
      }
    },
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const ResourceId = await storedName(ctx.storage, ctx.params['name'] ?? '')
      const input = { ...ctx.request.data, ResourceType: 'Parameter', ResourceId }
      await addTagsToResource(engineContext(ctx), input)
      return undefined
    },
    delete: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const ResourceId = await storedName(ctx.storage, ctx.params['name'] ?? '')
      const input = { ...ctx.request.data, ResourceType: 'Parameter', ResourceId }
      await removeTagsFromResource(engineContext(ctx), input)
      return undefined
    },
  },
})
