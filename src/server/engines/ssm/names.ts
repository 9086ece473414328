// Parameter name rules (characters, fully qualified paths, 15 levels, reserved prefixes) and label syntax.
import { AwsError } from '../../../sdk/aws-error.ts'
import { hierarchyLimit, validation, validationMessage } from './errors.ts'

const NAME = /^[a-zA-Z0-9_.\-/]+$/
const MAX_LEVELS = 15

/** Checks a name for PutParameter (and paths for GetParametersByPath, which must be fully qualified). */
export function checkName(name: string, member = 'name'): void {
  if (name.length < 1 || name.length > 2048)
    throw validation(member, 'Member must have length between 1 and 2048')
  if (!NAME.test(name))
    throw validationMessage(
      'Parameter name: it can consist of letters, numbers and the following symbols: . (period), - (hyphen), ' +
        '_ (underscore) and / (forward slash).',
    )
  if (name.includes('/') && !name.startsWith('/'))
    throw validationMessage('Parameter name must be a fully qualified name.')
  if (name.split('/').filter((part) => part !== '').length > MAX_LEVELS) throw hierarchyLimit()
}

/** AWS keeps names beginning with aws or ssm (any case) for itself. */
export function checkWritableName(name: string): void {
  checkName(name)
  const bare = name.toLowerCase().replace(/^\/+/, '')
  if (!bare.startsWith('aws') && !bare.startsWith('ssm')) return
  const isPath = name.split('/').length > 2
  if (name.toLowerCase().startsWith('/aws') && isPath)
    throw new AwsError('AccessDeniedException', `No access to reserved parameter name: ${name}.`)
  throw validationMessage(
    isPath
      ? 'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of ' +
          'sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the ' +
          'following 3 symbols .-_'
      : 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).',
  )
}

/** A label may not begin with aws, ssm (any case) or a digit, and holds letters, digits, '.', '-' and '_'. */
export function isValidLabel(label: string): boolean {
  const lower = label.toLowerCase()
  return (
    /^[a-zA-Z0-9_.-]+$/.test(label) &&
    !lower.startsWith('aws') &&
    !lower.startsWith('ssm') &&
    !/^\d/.test(label)
  )
}
