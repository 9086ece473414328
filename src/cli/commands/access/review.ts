// `coffer access review start|decide|close|list|show`: access reviews recorded by the server (sys/access/reviews).
import type { CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { printKeys, printStructured } from '../../output.ts'
import { renderReview } from './render.ts'

const REVIEWS = 'sys/access/reviews'

function reviewPath(id: string | undefined, action = ''): string {
  const clean = (id ?? '').trim()
  if (clean === '' || clean.includes('/')) throw new CliError('A review ID is required', 1)
  return `${REVIEWS}/${encodeURIComponent(clean)}${action}`
}

const startCommand: CommandSpec = {
  path: ['access', 'review', 'start'],
  usage: '[options]',
  summary: 'Start an access review',
  help:
    'Starts a review named -name over the given -path and -policy values (repeat them). The server records you ' +
    '(your token’s display name) as the reviewer and captures, as evidence, who-can for each path and the rules ' +
    'and holders of each policy at this moment. Prints the review ID.',
  flags: [
    { name: 'name', kind: 'string', usage: 'What the review is called (required)' },
    { name: 'path', kind: 'list', usage: 'A path in scope (repeatable)' },
    { name: 'policy', kind: 'list', usage: 'A policy in scope (repeatable)' },
  ],
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const name = ctx.flags.string('name')
    if (!name) throw new CliError('-name is required', 1)
    const envelope = await remote('Error starting the access review', () =>
      ctx
        .client()
        .write(REVIEWS, { name, paths: ctx.flags.list('path'), policies: ctx.flags.list('policy') }),
    )
    const data = (envelope?.data ?? {}) as Record<string, unknown>
    if (ctx.field !== undefined) {
      ctx.out(String(data[ctx.field] ?? ''))
      return 0
    }
    if (!printStructured(ctx, data)) ctx.out(`Success! Started access review ${String(data['id'])}`)
    return 0
  },
}

const decideCommand: CommandSpec = {
  path: ['access', 'review', 'decide'],
  usage: '[options] ID',
  summary: 'Record a decision in an open access review',
  help:
    'Records -decision (keep, revoke or modify) on -grant for -subject, with an optional -note, in review ID. ' +
    'The server adds who decided and when. A closed review takes no more decisions.',
  flags: [
    {
      name: 'subject',
      kind: 'string',
      usage: 'Who the decision is about, e.g. "approle_role auth/approle/web"',
    },
    { name: 'grant', kind: 'string', usage: 'The grant decided on, e.g. "kv-read secret/data/app/* read"' },
    { name: 'decision', kind: 'string', usage: 'keep, revoke or modify' },
    { name: 'note', kind: 'string', usage: 'Why' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const body: Record<string, unknown> = {}
    for (const flag of ['subject', 'grant', 'decision', 'note']) {
      const value = ctx.flags.string(flag)
      if (value !== undefined) body[flag] = value
    }
    await remote('Error recording the decision', () =>
      ctx.client().write(reviewPath(ctx.args[0], '/decide'), body),
    )
    ctx.out(`Success! Recorded the decision in access review ${ctx.args[0]}`)
    return 0
  },
}

const closeCommand: CommandSpec = {
  path: ['access', 'review', 'close'],
  usage: 'ID',
  summary: 'Close an access review',
  help: 'Closes review ID; its record, decisions and evidence stay readable with `coffer access review show`.',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    await remote('Error closing the access review', () =>
      ctx.client().write(reviewPath(ctx.args[0], '/close'), {}),
    )
    ctx.out(`Success! Closed access review ${ctx.args[0]}`)
    return 0
  },
}

const listCommand: CommandSpec = {
  path: ['access', 'review', 'list'],
  usage: '[options]',
  summary: 'List access reviews',
  help: 'Lists the IDs of every access review, open or closed.',
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const keys = await remote('Error listing access reviews', () => ctx.client().list(REVIEWS))
    return printKeys(ctx, keys)
  },
}

const showCommand: CommandSpec = {
  path: ['access', 'review', 'show'],
  usage: '[options] ID',
  summary: 'Show an access review',
  help: 'Shows review ID: scope, reviewer, status, times and decisions; -format=json adds the evidence.',
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const envelope = await remote('Error reading the access review', () =>
      ctx.client().read(reviewPath(ctx.args[0])),
    )
    if (!envelope) throw new CliError(`No access review with ID ${ctx.args[0]}`, 2)
    const data = (envelope.data ?? {}) as Record<string, unknown>
    if (ctx.field !== undefined) {
      ctx.out(typeof data[ctx.field] === 'string' ? String(data[ctx.field]) : JSON.stringify(data[ctx.field]))
      return 0
    }
    if (!printStructured(ctx, data)) ctx.out(renderReview(data))
    return 0
  },
}

export const accessReviewCommands: readonly CommandSpec[] = [
  startCommand,
  decideCommand,
  closeCommand,
  listCommand,
  showCommand,
]
