// `coffer leak respond PATH[#FIELD]`: rotate a leaked secret, revoke what was issued from it, list who saw it.
import { access } from 'node:fs/promises'
import { ApiError, type SecretEnvelope } from '../../../client/index.ts'
import { CliError, type CommandContext, type CommandSpec, remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { renderColumns } from '../../format.ts'
import { sanitizePath } from '../../kv-paths.ts'
import { replacementFor, ValueShapeError } from '../../leak-value.ts'
import { type AuditRow, auditHash, searchAuditLog } from './audit-readers.ts'

interface MountAt {
  /** "secret/" */
  path: string
  type: string
  version: 1 | 2
}

/** Which mount serves `path`, and its type (sys/internal/ui/mounts, as the kv commands ask). */
async function mountOf(ctx: CommandContext, path: string): Promise<MountAt> {
  try {
    const res = await ctx.client().request('GET', `sys/internal/ui/mounts/${path}`)
    const data = (res.body as { data?: Record<string, unknown> } | undefined)?.data ?? {}
    const options = (data['options'] ?? {}) as Record<string, unknown>
    const mount = sanitizePath(String(data['path'] ?? ''))
    if (mount === '') throw new CliError(`Error: no secrets engine is mounted at ${path}`, 2)
    return {
      path: `${mount}/`,
      type: String(data['type'] ?? ''),
      version: String(options['version'] ?? '1') === '2' || data['type'] === 'kv-v2' ? 2 : 1,
    }
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404))
      throw new CliError(
        `Error looking up the mount of ${path}: no secrets engine there, or the token may not use it`,
        2,
      )
    return remote(`Error looking up the mount of ${path}`, () => Promise.reject(error))
  }
}

class Responder {
  readonly ctx: CommandContext
  readonly dryRun: boolean
  /** Request ids of this command's own reads: they hold the leaked value but are not a leak. */
  readonly ownRequests = new Set<string>()
  constructor(ctx: CommandContext) {
    this.ctx = ctx
    this.dryRun = ctx.flags.bool('dry-run')
  }

  step(text: string): void {
    this.ctx.out(`${this.dryRun ? '[dry run] ' : ''}${text}`)
  }

  async read(path: string): Promise<SecretEnvelope> {
    const envelope = await remote(`Error reading ${path}`, () => this.ctx.client().read(path))
    if (envelope?.request_id) this.ownRequests.add(envelope.request_id)
    if (!envelope?.data) throw new CliError(`Error: no secret at ${path}`, 2)
    return envelope
  }

  /** KV v1/v2: new random values for the leaked field(s), other fields kept, written with check-and-set. */
  async kv(mount: MountAt, relative: string, field: string | undefined): Promise<string[]> {
    // `coffer scan -coffer` names v2 secrets by their API path (secret/data/x); the kv form (secret/x) works too.
    const key = mount.version === 2 ? relative.replace(/^data\//, '') : relative
    const apiPath = mount.version === 2 ? `${mount.path}data/${key}` : `${mount.path}${key}`
    const envelope = await this.read(apiPath)
    const body = envelope.data as Record<string, unknown>
    const data = (mount.version === 2 ? body['data'] : body) as Record<string, unknown> | null
    if (!data) throw new CliError(`Error: no current version at ${apiPath} (deleted or destroyed)`, 2)
    const version = mount.version === 2 ? Number((body['metadata'] as Record<string, unknown>)['version']) : 0
    const fields =
      field !== undefined ? [field] : Object.keys(data).filter((k) => typeof data[k] === 'string')
    if (field !== undefined && typeof data[field] !== 'string')
      throw new CliError(`Error: ${apiPath} has no string field "${field}"`, 1)
    if (fields.length === 0) throw new CliError(`Error: ${apiPath} has no string fields to rotate`, 1)
    const leaked = fields.map((name) => data[name] as string)
    const next: Record<string, unknown> = { ...data }
    for (const name of fields) {
      try {
        next[name] = replacementFor(data[name] as string)
      } catch (error) {
        if (error instanceof ValueShapeError)
          throw new CliError(`Error: field "${name}": ${error.message}`, 1)
        throw error
      }
    }
    const what = `${apiPath}${mount.version === 2 ? ` (version ${version})` : ''}, field(s) ${fields.join(', ')}`
    this.step(`Leaked: ${what}`)
    if (this.dryRun) this.step(`Would write a new version with fresh random values for ${fields.join(', ')}`)
    else if (mount.version === 2) {
      // cas: if someone wrote in the meantime, stop rather than overwrite their version with the old fields.
      const written = await remote(`Error writing ${apiPath}`, () =>
        this.ctx.client().write(apiPath, { data: next, options: { cas: version } }),
      )
      this.step(
        `Rotated: wrote version ${String(written?.data?.['version'] ?? '?')} of ${apiPath} with fresh random values for ${fields.join(', ')}`,
      )
    } else {
      await remote(`Error writing ${apiPath}`, () => this.ctx.client().write(apiPath, next))
      this.step(`Rotated: wrote ${apiPath} with fresh random values for ${fields.join(', ')}`)
    }
    this.step('Leases: the KV engine issues none; nothing to revoke')
    return leaked
  }

  /** Database: a static role is rotated by the engine; dynamic credentials are revoked lease by lease. */
  async database(mount: MountAt, relative: string): Promise<{ values: string[]; pathPrefix?: string }> {
    const [kind, role, ...rest] = relative.split('/')
    if (!role || rest.length > 0 || (kind !== 'static-creds' && kind !== 'creds'))
      throw new CliError(
        `Error: for a database mount give ${mount.path}static-creds/ROLE or ${mount.path}creds/ROLE`,
        1,
      )
    if (kind === 'static-creds') {
      const envelope = await this.read(`${mount.path}static-creds/${role}`)
      const password = envelope.data?.['password']
      this.step(`Leaked: the password of static role ${role} (${mount.path}static-creds/${role})`)
      if (this.dryRun) this.step(`Would rotate it with ${mount.path}rotate-role/${role}`)
      else {
        await remote(`Error rotating ${role}`, () =>
          this.ctx.client().write(`${mount.path}rotate-role/${role}`),
        )
        this.step(`Rotated: the database engine set a new password for static role ${role}`)
      }
      return { values: typeof password === 'string' ? [password] : [] }
    }
    const prefix = `${mount.path}creds/${role}`
    this.step(`Leaked: credentials issued from ${prefix}`)
    if (this.dryRun) this.step(`Would revoke every lease under ${prefix}/ (sys/leases/revoke-prefix)`)
    else {
      await remote(`Error revoking leases under ${prefix}`, () =>
        this.ctx.client().write(`sys/leases/revoke-prefix/${prefix}`),
      )
      this.step(`Revoked: every lease under ${prefix}/ (the database users are dropped)`)
    }
    // Each lease has its own password: who obtained credentials is who called creds/ROLE.
    return { values: [], pathPrefix: prefix }
  }
}

function printRows(ctx: CommandContext, title: string, rows: AuditRow[]): void {
  if (rows.length === 0) {
    ctx.out(`${title}: none found`)
    return
  }
  ctx.out(`${title}:`)
  ctx.out(
    renderColumns(
      ['Time', 'Operation', 'Path', 'Display Name', 'Remote Address'],
      rows.map((r) => [r.time, r.operation, r.path, r.displayName, r.remoteAddress]),
    ),
  )
}

export const leakRespondCommand: CommandSpec = {
  path: ['leak', 'respond'],
  usage: '[options] PATH[#FIELD]',
  summary: 'Rotate a leaked secret, revoke what was issued from it and list who saw it',
  help: [
    'For a secret found leaked (e.g. by "coffer scan -coffer"):',
    '  KV: writes a new version (check-and-set) with a fresh random value, of the same length and character',
    '      classes, for FIELD (or every string field); the other fields are kept.',
    '  database static-creds/ROLE: rotates the role (rotate-role/ROLE).',
    '  database creds/ROLE: revokes every lease issued from it (sys/leases/revoke-prefix, needs sudo).',
    'With -audit-log and -audit-device it then lists the audit entries that hold the leaked value (who read',
    'or wrote it, when, from where), as "coffer audit search -value" would. Every step is a normal API call,',
    'audited by the server. The values themselves are never printed.',
    '',
    '  coffer leak respond -audit-log=/var/log/coffer/audit.log -audit-device=file secret/data/prod/db#password',
  ].join('\n'),
  flags: [
    { name: 'audit-log', kind: 'string', placeholder: 'file', usage: 'Audit log file to search for readers' },
    {
      name: 'audit-device',
      kind: 'string',
      placeholder: 'path',
      usage: 'The audit device that wrote -audit-log (to hash the value as it does)',
    },
    {
      name: 'dry-run',
      kind: 'bool',
      usage: 'Report what would be done and who saw the value; change nothing',
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const arg = ctx.args[0] as string
    const hash = arg.indexOf('#')
    const path = sanitizePath(hash === -1 ? arg : arg.slice(0, hash))
    const field = hash === -1 ? undefined : arg.slice(hash + 1)
    if (path === '') throw new UsageError('PATH is empty')
    if (field === '') throw new UsageError('FIELD after # is empty')
    const log = ctx.flags.string('audit-log')
    const device = ctx.flags.string('audit-device')
    if (log !== undefined && device === undefined)
      throw new UsageError(
        '-audit-log needs -audit-device=PATH: values are hashed as that device hashes them',
      )
    if (log !== undefined)
      await access(log).catch((error: NodeJS.ErrnoException) => {
        throw new CliError(`Error reading audit log ${log}: ${error.code ?? error.message}`, 1)
      })
    const mount = await mountOf(ctx, path)
    const relative = path.slice(mount.path.length)
    const responder = new Responder(ctx)
    let values: string[]
    let pathPrefix: string | undefined
    if (mount.type === 'kv' || mount.type === 'kv-v2' || mount.type === 'generic')
      values = await responder.kv(mount, relative, field)
    else if (mount.type === 'database') {
      if (field !== undefined && field !== 'password')
        throw new UsageError('database credentials have one leaked field, password')
      ;({ values, pathPrefix } = await responder.database(mount, relative))
    } else
      throw new CliError(
        `Error: leak respond handles KV and database mounts; ${mount.path} is ${mount.type}`,
        1,
      )
    if (log === undefined || device === undefined) {
      ctx.out('Audit: give -audit-log and -audit-device to list who read the leaked value')
      return 0
    }
    if (values.length > 0) {
      const hashes = await Promise.all(values.map((v) => auditHash(ctx, device, v)))
      // The clear form too, for a device with log_raw; entries of this command's own read are left out.
      const rows = await searchAuditLog(log, { values: [...hashes, ...values] }, responder.ownRequests)
      printRows(ctx, `Who saw the leaked value (audit log ${log})`, rows)
    }
    if (pathPrefix !== undefined) {
      const rows = await searchAuditLog(
        log,
        { pathPrefix, type: 'response', operation: 'read' },
        responder.ownRequests,
      )
      printRows(ctx, `Who obtained credentials from ${pathPrefix} (audit log ${log})`, rows)
    }
    return 0
  },
}
