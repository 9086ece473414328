// policy/<name> (Put/Get/DeleteResourcePolicy) and validate-policy (ValidateResourcePolicy), for AWS and Vault clients.
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import {
  deleteResourcePolicy,
  getResourcePolicy,
  putResourcePolicy,
  validateResourcePolicy,
} from './actions/resource-policy.ts'
import { awsActionOf, runAwsAction, smContext } from './aws-dispatch.ts'
import type { SmState } from './state.ts'
import { vaultShape } from './vault-shape.ts'

const shaped = (out: Record<string, unknown>) => ({ data: vaultShape(out) as Record<string, unknown> })

const fields = {
  name: f.string({ description: 'The secret name.' }),
  resource_policy: f.string({ description: 'The IAM policy document, as JSON text.' }),
  block_public_policy: f.bool({
    description: 'Refuse a policy that allows every principal without a condition.',
  }),
  SecretId: f.any(),
  ResourcePolicy: f.any(),
  BlockPublicPolicy: f.any(),
}

export const policyPath = definePath<typeof fields, SmState>({
  pattern: 'policy/*name',
  fields,
  help: "A secret's resource policy: explicit Deny statements narrow what Coffer policies allow.",
  operations: {
    read: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      return shaped(await getResourcePolicy(smContext(ctx), { SecretId: ctx.params['name'] }))
    },
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      return shaped(
        await putResourcePolicy(smContext(ctx), {
          SecretId: ctx.params['name'],
          ResourcePolicy: ctx.input.resource_policy,
          BlockPublicPolicy: ctx.input.block_public_policy,
        }),
      )
    },
    delete: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      return shaped(await deleteResourcePolicy(smContext(ctx), { SecretId: ctx.params['name'] }))
    },
  },
})

const validateFields = {
  resource_policy: f.string({ description: 'The IAM policy document, as JSON text.' }),
  secret_id: f.string({ description: 'Optional: a secret that must exist.' }),
  SecretId: f.any(),
  ResourcePolicy: f.any(),
}

export const validatePolicyPath = definePath<typeof validateFields, SmState>({
  pattern: 'validate-policy',
  fields: validateFields,
  help: 'Check a resource policy document without storing it, as ValidateResourcePolicy does.',
  operations: {
    update: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      return shaped(
        await validateResourcePolicy(smContext(ctx), {
          ResourcePolicy: ctx.input.resource_policy,
          SecretId: ctx.input.secret_id,
        }),
      )
    },
  },
})
