// Which Coffer capability on which per-parameter path each SSM Parameter Store action needs: shared by the engine and the adapter.
import type { Operation } from './request.ts'

export const SSM_ACTIONS = [
  'GetParameter',
  'GetParameters',
  'GetParametersByPath',
  'PutParameter',
  'DeleteParameter',
  'DeleteParameters',
  'DescribeParameters',
  'GetParameterHistory',
  'LabelParameterVersion',
  'UnlabelParameterVersion',
  'AddTagsToResource',
  'RemoveTagsFromResource',
  'ListTagsForResource',
] as const

export type SsmAction = (typeof SSM_ACTIONS)[number]

/** X-Amz-Target names SSM actions `AmazonSSM.<Action>`. */
export const SSM_TARGET_PREFIX = 'AmazonSSM.'

export function isSsmAction(name: string): name is SsmAction {
  return (SSM_ACTIONS as readonly string[]).includes(name)
}

/** Parameters that read a Secrets Manager secret: `/aws/reference/secretsmanager/<secret id>`. */
export const SECRETS_MANAGER_REFERENCE = '/aws/reference/secretsmanager/'

const ARN = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/

/**
 * A parameter reference as AWS accepts it in GetParameter: a name, or an ARN, optionally followed by
 * `:<version>` or `:<label>`. Names never contain ':', so the selector is what follows the name's first colon.
 * An ARN's resource is `parameter/<name without its leading slash>`; it is read back as `/<…>` when it has
 * several levels and as the bare name otherwise (the ARNs of `foo` and `/foo` are the same, as at AWS).
 */
export function parseParameterRef(ref: string): { name: string; selector?: string } {
  let rest = ref
  let prefix = ''
  const arn = ARN.exec(ref)
  if (arn) {
    rest = arn[1]!.slice(1)
    prefix = rest.includes('/') ? '/' : ''
  }
  const colon = rest.indexOf(':')
  if (colon < 0) return { name: prefix + rest }
  return { name: prefix + rest.slice(0, colon), selector: rest.slice(colon + 1) }
}

/** The ACL path of a parameter, relative to the mount: `parameters/<name without its leading slash>`. */
export function parameterPath(name: string): string {
  return `parameters/${name.replace(/^\/+/, '')}`
}

/** The folder a hierarchy path names, for a `list` check: `parameters/prod/app/` for `/prod/app`. */
export function parameterFolder(path: string): string {
  const inner = path.replace(/^\/+/, '').replace(/\/+$/, '')
  return inner === '' ? 'parameters/' : `parameters/${inner}/`
}

export interface SsmRoute {
  operation: Operation
  /** Relative to the mount; the ACL path is `<mount>/<path>`. */
  path: string
}

const str = (value: unknown) => (typeof value === 'string' ? value : '')

/** The one Path value of DescribeParameters' ParameterFilters, when it has exactly one (else the whole store). */
function describedFolder(input: Record<string, unknown>): string {
  const filters = input['ParameterFilters']
  if (!Array.isArray(filters)) return 'parameters/'
  const paths = filters.filter((f) => (f as { Key?: unknown })?.Key === 'Path')
  if (paths.length !== 1) return 'parameters/'
  const values = (paths[0] as { Values?: unknown }).Values
  if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string') return 'parameters/'
  return parameterFolder(values[0])
}

/**
 * The LogicalRequest the adapter authorises an action as. GetParameters and DeleteParameters span several
 * parameters: the adapter runs them parameter by parameter (GetParameter, DeleteParameter), so their own route is
 * only the root folder's `list`, never used to act. See docs/engines/ssm.md.
 */
export function ssmRoute(action: SsmAction, input: Record<string, unknown>): SsmRoute {
  const target = () => parameterPath(parseParameterRef(str(input['Name'])).name)
  const tagged = () => `tags/${parseParameterRef(str(input['ResourceId'])).name.replace(/^\/+/, '')}`
  const labelled = () => `labels/${parseParameterRef(str(input['Name'])).name.replace(/^\/+/, '')}`
  switch (action) {
    case 'GetParameter':
    case 'GetParameterHistory':
      return { operation: 'read', path: target() }
    case 'PutParameter':
      return { operation: 'create', path: target() }
    case 'DeleteParameter':
      return { operation: 'delete', path: target() }
    case 'GetParametersByPath':
      return { operation: 'list', path: parameterFolder(str(input['Path'])) }
    case 'DescribeParameters':
      return { operation: 'list', path: describedFolder(input) }
    case 'GetParameters':
    case 'DeleteParameters':
      return { operation: 'list', path: 'parameters/' }
    case 'LabelParameterVersion':
      return { operation: 'update', path: labelled() }
    case 'UnlabelParameterVersion':
      return { operation: 'delete', path: labelled() }
    case 'AddTagsToResource':
      return { operation: 'update', path: tagged() }
    case 'RemoveTagsFromResource':
      return { operation: 'delete', path: tagged() }
    case 'ListTagsForResource':
      return { operation: 'read', path: tagged() }
  }
}
