// Running an AWS action carried by a LogicalRequest (the adapter's X-Amz-Target), after checking it targets the request's path.
import { AWS_TARGET_HEADER } from '../../../sdk/aws-secretsmanager-routes.ts'
import { isSsmAction, SSM_TARGET_PREFIX, type SsmAction, ssmRoute } from '../../../sdk/aws-ssm-routes.ts'
import type { HandlerContext } from '../../../sdk/framework/backend.ts'
import type { Fields } from '../../../sdk/framework/fields.ts'
import type { BackendRequest, LogicalResponse } from '../../../sdk/request.ts'
import { pageByPath, pageOutput } from './actions/get-parameters-by-path.ts'
import { actions } from './actions/index.ts'
import { type SsmContext, ssmContext } from './context.ts'
import { AwsError } from './errors.ts'
import { ssmEvent } from './ssm-events.ts'
import type { SsmState } from './state.ts'

export type EngineCtx = Pick<HandlerContext<Fields, SsmState>, 'storage' | 'system' | 'state' | 'request'>

/** The action an AWS client named (`AmazonSSM.GetParameter`), or undefined for a Vault-API request. */
export function awsActionOf(request: BackendRequest): SsmAction | undefined {
  const target = request.headers[AWS_TARGET_HEADER]
  if (target === undefined) return undefined
  const action = target.startsWith(SSM_TARGET_PREFIX) ? target.slice(SSM_TARGET_PREFIX.length) : ''
  if (!isSsmAction(action))
    throw new AwsError('UnknownOperationException', 'The action or operation requested is not supported.')
  return action
}

/** create and update are one family here: core turns a write into either by the existence check. */
const family = (op: string) => (op === 'create' ? 'update' : op)

/**
 * The path was authorised, not the body: an action whose Name names another parameter than the path would act on
 * a parameter the caller was never checked for, so it is refused. Actions spanning several parameters are answered
 * by the adapter one parameter at a time; GetParametersByPath's own request (a `list` on the folder) answers only
 * the page's names and versions, `{Parameters: [{Name, Version}], NextToken}`, whose values the adapter then reads.
 */
export async function runAwsAction(ctx: EngineCtx, action: SsmAction): Promise<LogicalResponse> {
  const { request } = ctx
  const route = ssmRoute(action, request.data)
  if (route.path !== request.path || family(route.operation) !== family(request.operation))
    throw new AwsError(
      'AccessDeniedException',
      'The request path does not match the parameter the action names.',
    )
  if (action === 'GetParameters' || action === 'DeleteParameters')
    throw new AwsError(
      'ValidationException',
      `${action} is answered by the AWS adapter, parameter by parameter.`,
    )
  const ssm = engineContext(ctx)
  if (action === 'GetParametersByPath') {
    return { data: pageOutput(await pageByPath(ssm, request.data)) }
  }
  const out = await actions[action](ssm, request.data)
  const name = typeof request.data['Name'] === 'string' ? request.data['Name'] : ''
  if (action === 'PutParameter')
    return { data: out, events: [ssmEvent('put-parameter', request.path, name, out['Version'])] }
  if (action === 'DeleteParameter')
    return { data: out, events: [ssmEvent('delete-parameter', request.path, name)] }
  return { data: out }
}

export function engineContext(ctx: EngineCtx): SsmContext {
  return ssmContext(
    {
      storage: ctx.storage,
      now: () => ctx.system.now(),
      locks: ctx.state.locks,
      keys: ctx.system.keys,
      caller: ctx.request,
    },
    ctx.system.mount,
    ctx.request,
  )
}
