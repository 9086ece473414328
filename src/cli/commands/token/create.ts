// `coffer token create`: mint a child (or orphan, or role-based) token.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printSecret } from '../../output.ts'

export const tokenCreateCommand: CommandSpec = {
  path: ['token', 'create'],
  usage: '[options]',
  summary: 'Create a new token',
  flags: [
    { name: 'policy', kind: 'list', usage: 'Policy to attach; repeat or comma-separate for several' },
    { name: 'ttl', kind: 'duration', usage: 'Initial TTL, e.g. 1h' },
    { name: 'explicit-max-ttl', kind: 'duration', usage: 'Hard cap on the lifetime, renewals included' },
    { name: 'period', kind: 'duration', usage: 'Make a periodic token renewed by this period' },
    {
      name: 'use-limit',
      kind: 'int',
      usage: 'Number of requests the token may make (0 = unlimited)',
      // Vault's own flag is -use-limit; -num-uses matches the API field and older Coffer docs.
      aliases: ['num-uses'],
    },
    { name: 'renewable', kind: 'bool', usage: 'Whether the token may be renewed (default true)' },
    { name: 'orphan', kind: 'bool', usage: 'Create a token with no parent (needs sudo or root)' },
    { name: 'no-default-policy', kind: 'bool', usage: 'Do not attach the "default" policy' },
    { name: 'display-name', kind: 'string', usage: 'Name shown in lookups and audit logs' },
    { name: 'metadata', kind: 'map', usage: 'Metadata key=value; repeat for several' },
    { name: 'role', kind: 'string', usage: 'Create the token against this token role' },
    { name: 'type', kind: 'string', usage: 'Token type: service or batch' },
    { name: 'id', kind: 'string', usage: 'Custom token value (needs root)' },
    { name: 'entity-alias', kind: 'string', usage: 'Entity alias to associate (with -role)' },
  ],
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const f = ctx.flags
    const body: Record<string, unknown> = {}
    const policies = f.list('policy')
    if (policies.length > 0) body['policies'] = policies
    if (f.has('ttl')) body['ttl'] = f.string('ttl')
    if (f.has('explicit-max-ttl')) body['explicit_max_ttl'] = f.string('explicit-max-ttl')
    if (f.has('period')) body['period'] = f.string('period')
    if (f.has('use-limit')) body['num_uses'] = f.int('use-limit')
    if (f.has('renewable')) body['renewable'] = f.bool('renewable')
    if (f.bool('orphan')) body['no_parent'] = true
    if (f.bool('no-default-policy')) body['no_default_policy'] = true
    if (f.has('display-name')) body['display_name'] = f.string('display-name')
    if (f.has('metadata')) body['meta'] = f.map('metadata')
    if (f.has('type')) body['type'] = f.string('type')
    if (f.has('id')) body['id'] = f.string('id')
    if (f.has('entity-alias')) body['entity_alias'] = f.string('entity-alias')
    const role = f.string('role')
    const path = role ? `auth/token/create/${encodeURIComponent(role)}` : 'auth/token/create'
    const envelope = await remote('Error creating token', () => ctx.client().write(path, body))
    return printSecret(ctx, envelope ?? {})
  },
}
