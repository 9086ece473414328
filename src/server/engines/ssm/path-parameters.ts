// parameters/<name>: get, put, delete and history of one parameter; LIST parameters/<folder>/ for names, by-path and describe.

import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { deleteParameter } from './actions/delete-parameter.ts'
import { getParameter } from './actions/get-parameter.ts'
import { putParameter } from './actions/put-parameter.ts'
import { awsActionOf, engineContext, runAwsAction } from './aws-dispatch.ts'
import { loadAllRecords, loadRecord } from './model.ts'
import { ssmEvent } from './ssm-events.ts'
import type { SsmState } from './state.ts'

/** The AWS members, declared so audit HMACs the values and unknown-field warnings stay quiet. */
const awsFields = {
  Name: f.any(),
  Names: f.any(),
  Value: f.any({ sensitive: true, description: 'AWS form of value.' }),
  Type: f.any(),
  Overwrite: f.any(),
  Description: f.any(),
  KeyId: f.any(),
  AllowedPattern: f.any(),
  Tier: f.any(),
  DataType: f.any(),
  Policies: f.any(),
  Tags: f.any(),
  WithDecryption: f.any(),
  Path: f.any(),
  Recursive: f.any(),
  ParameterFilters: f.any(),
  Filters: f.any(),
  MaxResults: f.any(),
  NextToken: f.any(),
}

const fields = {
  name: f.string({ description: 'The parameter name without its leading slash (a/b/c is /a/b/c).' }),
  value: f.string({ sensitive: true, description: 'On write, the new value.' }),
  type: f.string({ description: 'On write: String, StringList or SecureString (required on create).' }),
  description: f.string({ description: 'On write, the description.' }),
  version: f.int({ description: 'On read, the version to return (the latest by default).' }),
  label: f.string({ description: 'On read, the label of the version to return.' }),
  ...awsFields,
}

/** Vault clients address `/a/b` as `parameters/a/b`; a name stored without a leading slash is tried second. */
async function vaultName(storage: Parameters<typeof loadRecord>[0], rel: string): Promise<string> {
  if (await loadRecord(storage, `/${rel}`)) return `/${rel}`
  if (await loadRecord(storage, rel)) return rel
  return rel.includes('/') ? `/${rel}` : rel
}

export const parametersPath = definePath<typeof fields, SsmState>({
  pattern: 'parameters/*name',
  fields,
  listKeys: 'paths',
  help: 'Read (decrypted), write (a new version) or delete a parameter; LIST names one level down.',
  exists: async ({ storage, params, request }) => {
    const rel = params['name'] ?? ''
    const data = request.data
    if (typeof data['Name'] === 'string') return (await loadRecord(storage, data['Name'])) !== undefined
    return (await loadRecord(storage, await vaultName(storage, rel))) !== undefined
  },
  operations: {
    read: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const name = await vaultName(ctx.storage, ctx.params['name'] ?? '')
      const selector =
        ctx.input.version !== undefined
          ? `:${ctx.input.version}`
          : ctx.input.label
            ? `:${ctx.input.label}`
            : ''
      const out = await getParameter(engineContext(ctx), { Name: name + selector, WithDecryption: true })
      return { data: out['Parameter'] as Record<string, unknown> }
    },
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const { input } = ctx
      const name = await vaultName(ctx.storage, ctx.params['name'] ?? '')
      // Create or overwrite as the request was authorised (create when no parameter existed at the ACL check), and
      // settled under the parameter's lock, not from a second look here: a create never overwrites a parameter
      // another writer created since, an update never re-creates one deleted since, and an update's type is the
      // version before it (a String from a stale look would turn a SecureString written since into plain text).
      const create = ctx.request.operation === 'create'
      const out = await putParameter(
        engineContext(ctx),
        {
          Name: name,
          Value: input.value,
          Type: input.type ?? (create ? 'String' : undefined),
          Description: input.description,
          Overwrite: !create,
        },
        { mustExist: !create },
      )
      return { data: out, events: [ssmEvent('put-parameter', ctx.request.path, name, out['Version'])] }
    },
    delete: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const name = await vaultName(ctx.storage, ctx.params['name'] ?? '')
      await deleteParameter(engineContext(ctx), { Name: name })
      return { events: [ssmEvent('delete-parameter', ctx.request.path, name)] }
    },
    list: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const folder = ctx.params['name'] ?? ''
      const prefix = folder === '' || folder.endsWith('/') ? folder : `${folder}/`
      const keys = new Set<string>()
      for (const record of await loadAllRecords(ctx.storage)) {
        const rel = record.name.replace(/^\/+/, '')
        if (!rel.startsWith(prefix)) continue
        const rest = rel.slice(prefix.length)
        const slash = rest.indexOf('/')
        keys.add(slash < 0 ? rest : rest.slice(0, slash + 1))
      }
      return listResponse([...keys].sort())
    },
  },
})
