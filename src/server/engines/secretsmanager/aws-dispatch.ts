// Running an AWS action carried by a LogicalRequest (the adapter's X-Amz-Target), after checking it targets the request's path.
import {
  AWS_TARGET_HEADER,
  isSecretsManagerAction,
  type SecretsManagerAction,
  secretsManagerRoute,
} from '../../../sdk/aws-secretsmanager-routes.ts'
import type { HandlerContext } from '../../../sdk/framework/backend.ts'
import type { Fields } from '../../../sdk/framework/fields.ts'
import type { BackendRequest, LogicalResponse } from '../../../sdk/request.ts'
import { actions } from './actions/index.ts'
import { type ActionContext, actionContext } from './context.ts'
import { AwsError } from './errors.ts'
import { smEvent, stageDetails } from './sm-events.ts'
import type { SmState } from './state.ts'

/** What a handler passes on: its storage view, system view, state and request. */
export type EngineCtx = Pick<HandlerContext<Fields, SmState>, 'storage' | 'system' | 'state' | 'request'>

/** The action an AWS client named (`secretsmanager.GetSecretValue`), or undefined for a Vault-API request. */
export function awsActionOf(request: BackendRequest): SecretsManagerAction | undefined {
  const target = request.headers[AWS_TARGET_HEADER]
  if (target === undefined) return undefined
  const action = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : ''
  if (!isSecretsManagerAction(action))
    throw new AwsError('UnknownOperationException', 'The action or operation requested is not supported.')
  return action
}

/** create and update are one family here: core turns a write into either by the existence check. */
const family = (op: string) => (op === 'create' ? 'update' : op)

/**
 * The path was authorised, not the body: an action whose SecretId names another secret than the path would act
 * on a secret the caller was never checked for, so it is refused.
 */
export async function runAwsAction(ctx: EngineCtx, action: SecretsManagerAction): Promise<LogicalResponse> {
  const { request } = ctx
  const route = secretsManagerRoute(action, request.data)
  if (route.path !== request.path || family(route.operation) !== family(request.operation))
    throw new AwsError(
      'AccessDeniedException',
      'The request path does not match the secret the action names.',
    )
  if (action === 'BatchGetSecretValue')
    // Each secret needs its own read check, which only core can make: the adapter fans this action out.
    throw new AwsError(
      'InvalidRequestException',
      'BatchGetSecretValue is answered by the AWS adapter, secret by secret.',
    )
  const out = await actions[action](smContext(ctx), request.data)
  const event = smEvent(
    action,
    request.path,
    out as Record<string, unknown>,
    stageDetails(action, request.data),
  )
  return event ? { data: out, events: [event] } : { data: out }
}

export function smContext(ctx: EngineCtx): ActionContext {
  return actionContext(
    {
      storage: ctx.storage,
      now: () => ctx.system.now(),
      state: ctx.state,
      rotation: ctx.system.rotation,
      keys: ctx.system.keys,
      caller: ctx.request,
      logger: ctx.system,
    },
    ctx.system.mount,
    ctx.request,
  )
}
