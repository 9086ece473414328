// Checking each request on a secret's paths against the secret's resource policy, after Coffer's ACL allowed it.
import {
  SECRETS_MANAGER_ACTIONS,
  type SecretsManagerAction,
  secretsManagerRoute,
} from '../../../sdk/aws-secretsmanager-routes.ts'
import type { HandlerContext, PathDefinition } from '../../../sdk/framework/backend.ts'
import type { Fields } from '../../../sdk/framework/fields.ts'
import type { BackendRequest, Operation } from '../../../sdk/request.ts'
import { awsActionOf } from './aws-dispatch.ts'
import { actionContext, arnOf } from './context.ts'
import { findSecretOrUndefined } from './resolve.ts'
import { deniedBy, type PolicyCaller, parsePolicy, policyDenied } from './resource-policy.ts'
import type { SmState } from './state.ts'

/**
 * The caller's AWS identity: the `arn` and `account_id` the aws-keys login put in its token's metadata. Engines see
 * the token's metadata, never a header, so neither an AWS client nor a Vault-API client can claim another ARN.
 */
export function policyCaller(request: Pick<BackendRequest, 'caller'>): PolicyCaller {
  const meta = request.caller?.metadata ?? {}
  return {
    ...(meta['arn'] ? { arn: meta['arn'] } : {}),
    ...(meta['account_id'] ? { account: meta['account_id'] } : {}),
  }
}

const family = (op: string) => (op === 'create' ? 'update' : op)

/** The AWS action a Vault-API request on a secret's path amounts to (GET secrets/x is GetSecretValue). */
export function vaultActionOf(
  operation: Operation,
  path: string,
  name: string,
): SecretsManagerAction | undefined {
  const input = { SecretId: name, Name: name }
  const routes = SECRETS_MANAGER_ACTIONS.map((action) => ({
    action,
    route: secretsManagerRoute(action, input),
  }))
  const onPath = routes.filter((r) => r.route.path === path)
  return (
    onPath.find((r) => r.route.operation === operation)?.action ??
    onPath.find((r) => family(r.route.operation) === family(operation))?.action
  )
}

/** AccessDeniedException when the secret named by the path has a resource policy with a matching explicit Deny. */
export async function checkResourcePolicy(
  ctx: Pick<HandlerContext<Fields, SmState>, 'storage' | 'system' | 'state' | 'request'>,
  action: SecretsManagerAction,
  name: string,
): Promise<void> {
  const env = actionContext(
    { storage: ctx.storage, now: () => ctx.system.now(), state: ctx.state },
    ctx.system.mount,
    ctx.request,
  )
  // The secret the caller's region sees (a replica carries its primary's policy, as AWS replicates it).
  const record = await findSecretOrUndefined(env, name, true)
  if (record?.resourcePolicy === undefined) return
  const request = {
    action,
    resource: arnOf(env, record.name, record.suffix),
    caller: policyCaller(ctx.request),
  }
  if (deniedBy(parsePolicy(record.resourcePolicy), request)) throw policyDenied(action)
}

/**
 * Wraps a per-secret path so that every operation but LIST is checked first. `vaultApi: false` leaves Vault-API
 * requests unchecked: policy/<name> is the way back for an operator whose Coffer policy allows it, even when a
 * resource policy denies every principal every action.
 */
export function withResourcePolicy<F extends Fields>(
  def: PathDefinition<F, SmState>,
  options: { vaultApi: boolean } = { vaultApi: true },
): PathDefinition<F, SmState> {
  const operations: PathDefinition<F, SmState>['operations'] = {}
  for (const [operation, handler] of Object.entries(def.operations) as [
    Operation,
    NonNullable<PathDefinition<F, SmState>['operations'][Operation]>,
  ][]) {
    if (operation === 'list') {
      operations[operation] = handler
      continue
    }
    operations[operation] = async (ctx) => {
      const name = ctx.params['name'] ?? ''
      const aws = awsActionOf(ctx.request)
      const action = aws ?? (options.vaultApi ? vaultActionOf(operation, ctx.request.path, name) : undefined)
      if (action !== undefined && name !== '') await checkResourcePolicy(ctx, action, name)
      return handler(ctx)
    }
  }
  return { ...def, operations }
}
