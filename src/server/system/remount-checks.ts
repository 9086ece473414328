// The checks sys/remount makes before queueing a move, in Vault's order and with its error texts (handleRemount).
import { InvalidRequestError } from '../../sdk/errors.ts'
import type { Router } from '../core/router.ts'

/** Secrets-engine paths that neither move nor take a moved mount (Vault's protectedMounts, plus Coffer's aws-sm/). */
const PROTECTED_MOUNTS = ['audit/', 'auth/', 'sys/', 'cubbyhole/', 'identity/', 'aws-sm/']
/**
 * Auth paths likewise (Vault's protectedAuths). A prefix without its slash, as in Vault, so `auth/tokens/` is
 * refused as a destination too.
 */
const PROTECTED_AUTHS = ['auth/token']

export interface RemountPaths {
  /** Sanitised: no leading slash, one trailing slash. */
  from: string
  to: string
}

/** Vault's sanitizePath: a trailing slash added, leading slashes dropped. */
export function sanitizeMountPath(path: string): string {
  return (path.endsWith('/') ? path : `${path}/`).replace(/^\/+/, '')
}

/** Go's path.Clean for a relative path: empty and `.` segments dropped, `..` folded into its parent. */
function cleanPath(path: string): string {
  const out: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop()
    else out.push(segment)
  }
  return out.length === 0 ? '.' : out.join('/')
}

/** Vault's validateMountPath, for a sanitised destination. */
function destinationProblem(path: string): string | undefined {
  const cleaned = `${cleanPath(path)}/`
  if (path !== cleaned) return `path '${path}' does not match cleaned path '${cleaned}'`
  // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
  if (/[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(path)) return 'path cannot contain non-printable characters'
  return undefined
}

/** Check a sys/remount request against the mounts routed now; throws Vault's 400 for each refusal. */
export function checkRemount(rawFrom: unknown, rawTo: unknown, router: Router): RemountPaths {
  const fromRaw = typeof rawFrom === 'string' ? rawFrom : ''
  const toRaw = typeof rawTo === 'string' ? rawTo : ''
  if (fromRaw === '' || toRaw === '')
    throw new InvalidRequestError("both 'from' and 'to' path must be specified as a string")
  if (fromRaw.startsWith(' ') || fromRaw.endsWith(' '))
    throw new InvalidRequestError("'from' path cannot contain trailing whitespace")
  if (toRaw.startsWith(' ') || toRaw.endsWith(' '))
    throw new InvalidRequestError("'to' path cannot contain trailing whitespace")
  const from = sanitizeMountPath(fromRaw)
  const to = sanitizeMountPath(toRaw)
  const problem = destinationProblem(to)
  if (problem) throw new InvalidRequestError(`invalid destination mount: ${problem}`)

  if (from.startsWith('auth/')) {
    if (!to.startsWith('auth/'))
      throw new InvalidRequestError(`cannot remount auth mount to non-auth mount "${to}"`)
    if (PROTECTED_AUTHS.some((p) => from.startsWith(p)))
      throw new InvalidRequestError(`cannot remount "${from}"`)
    if (PROTECTED_AUTHS.some((p) => to.startsWith(p)))
      throw new InvalidRequestError(`cannot remount to destination "${to}"`)
  } else {
    for (const p of PROTECTED_MOUNTS) {
      if (from.startsWith(p)) throw new InvalidRequestError(`cannot remount "${from}"`)
      // Vault prints this destination without quotes (a %+v), unlike every other path in these messages.
      if (to.startsWith(p)) throw new InvalidRequestError(`cannot remount to destination ${to}`)
    }
  }

  // The mount the source falls in, as Vault matches it (longest prefix); the move itself wants an exact match.
  if (!router.match(from)) throw new InvalidRequestError(`no matching mount at "${from}"`)
  const conflict = router.conflicts(to)
  if (conflict) throw new InvalidRequestError(`path already in use at "${conflict}"`)
  return { from, to }
}
