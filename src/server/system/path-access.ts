// sys/access/*: access review — who-can, what-can, unused grants, and the review records (Coffer-only).

import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath, type HandlerContext } from '../../sdk/framework/backend.ts'
import { f, parseDurationField } from '../../sdk/framework/fields.ts'
import { storageView } from '../../sdk/storage.ts'
import { reviewEvidence } from '../core/access/evidence.ts'
import { DECISIONS, type Decision, ReviewStore } from '../core/access/review-store.ts'
import { unusedGrants } from '../core/access/unused.ts'
import { whatCan } from '../core/access/what-can.ts'
import { whoCan } from '../core/access/who-can.ts'
import type { AccessReviewsProvider } from '../core/compliance/providers.ts'
import { authOf } from '../core/logical-request.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type AccessPathServices = Pick<
  SystemServices,
  'audit' | 'barrier' | 'clock' | 'identity' | 'mounts' | 'policies' | 'tokens'
>

/** Every sys/access path needs sudo as well as the capability of its operation (root paths, as sys/audit). */
export const ACCESS_ROOT_PATHS = ['access/*']

/** Barrier prefix of the review records. */
export const REVIEWS_PREFIX = 'core/access/reviews/'

/** How far back `unused` looks when not told. */
const DEFAULT_SINCE = '90d'

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i

/** A start time: RFC 3339, or a duration meaning that long before now (90d, 24h). */
export function parseSince(value: string, now: number): number {
  const text = value.trim()
  if (RFC3339.test(text)) {
    const ms = Date.parse(text)
    if (!Number.isNaN(ms)) return ms
  }
  if (text === '') throw new InvalidRequestError('"since" must be an RFC 3339 time or a duration such as 90d')
  return now - parseDurationField(text, 'since') * 1000
}

/** The caller as a review records it: the token's display name (`root`, `userpass-alice`). */
function callerName(ctx: HandlerContext): string {
  const entry = authOf(ctx.request)?.entry
  return entry?.displayName || ctx.request.caller?.displayName || entry?.accessor || 'unknown'
}

function requiredText(value: string | undefined, name: string): string {
  const text = value?.trim() ?? ''
  if (text === '') throw new InvalidRequestError(`missing required field "${name}"`)
  return text
}

/** The file audit devices' log files: the server knows where it writes them. */
function auditFiles(services: AccessPathServices): string[] {
  return services.audit.logFiles().map((log) => log.file)
}

/** The stored reviews, read whole: what the compliance report shows of access reviews. */
export function accessReviewsProvider(
  services: Pick<AccessPathServices, 'barrier' | 'clock'>,
): AccessReviewsProvider {
  const reviews = new ReviewStore(storageView(services.barrier, REVIEWS_PREFIX), () => services.clock.now())
  return {
    list: async () => {
      const records = await Promise.all((await reviews.list()).map((id) => reviews.get(id)))
      return records.filter((record) => record !== undefined)
    },
  }
}

export function accessPaths(services: AccessPathServices) {
  const reviews = new ReviewStore(storageView(services.barrier, REVIEWS_PREFIX), () => services.clock.now())
  const whoCanOp = async ({ input }: { input: { path?: string } }) => ({
    data: { ...(await whoCan(services, requiredText(input.path, 'path'))) },
  })
  const whatCanOp = async ({ input }: { input: { identity?: string; type?: string } }) => {
    const type = input.type?.trim() || undefined
    return { data: { ...(await whatCan(services, requiredText(input.identity, 'identity'), type)) } }
  }
  const unusedOp = async ({ input }: { input: { since?: string } }) => {
    const since = parseSince(input.since ?? DEFAULT_SINCE, services.clock.now())
    return { data: { ...(await unusedGrants(services, auditFiles(services), since)) } }
  }
  const listReviews = async () => ({ data: { keys: await reviews.list() } })
  return [
    definePath({
      pattern: 'access/who-can',
      fields: { path: f.string({ description: 'The path to report on, as a request names it.' }) },
      help: 'Who holds each capability on a path, and the policy rule that grants it.',
      operations: { read: whoCanOp, update: whoCanOp },
    }),
    definePath({
      pattern: 'access/what-can',
      fields: {
        identity: f.string({
          description: 'Entity or group ID or name, token accessor, role, user or access key.',
        }),
        type: f.string({
          description: 'Narrows the match: entity, group, token, approle, userpass, access_key...',
        }),
      },
      help: 'What the policies of an identity grant, rule by rule.',
      operations: { read: whatCanOp, update: whatCanOp },
    }),
    definePath({
      pattern: 'access/unused',
      fields: { since: f.string({ description: 'RFC 3339 time or duration before now (default 90d).' }) },
      help: 'Policy grants that no allowed request in the file audit logs exercised since a time.',
      operations: { read: unusedOp, update: unusedOp },
    }),
    definePath({
      pattern: 'access/reviews/',
      listKeys: 'names',
      fields: {
        name: f.string({ description: 'What the review is called.' }),
        paths: f.list({ description: 'Paths in scope: who-can each is captured as evidence.' }),
        policies: f.list({
          description: 'Policies in scope: their rules and holders are captured as evidence.',
        }),
      },
      help: 'List access reviews, or start one.',
      operations: {
        list: listReviews,
        read: listReviews,
        update: async (ctx) => {
          const name = requiredText(ctx.input.name, 'name')
          const paths = [...new Set((ctx.input.paths ?? []).map((p) => p.trim().replace(/^\/+/, '')))].filter(
            (p) => p !== '',
          )
          const policies = [
            ...new Set((ctx.input.policies ?? []).map((p) => services.policies.normalizeName(p))),
          ]
          if (paths.length === 0 && policies.length === 0)
            throw new InvalidRequestError('a review needs a scope: "paths", "policies" or both')
          const scope = { paths, policies }
          const evidence = await reviewEvidence(services, scope, services.clock.now())
          const record = await reviews.start({ name, scope, reviewer: callerName(ctx), evidence })
          return { data: { ...record } }
        },
      },
    }),
    definePath({
      pattern: 'access/reviews/:id',
      fields: { id: f.string({ required: true }) },
      help: 'One access review: scope, reviewer, decisions and evidence.',
      operations: {
        read: async ({ input }) => {
          const record = await reviews.get(input.id!)
          return record ? { data: { ...record } } : undefined
        },
      },
    }),
    definePath({
      pattern: 'access/reviews/:id/decide',
      fields: {
        id: f.string({ required: true }),
        subject: f.string({
          description: 'Who the decision is about (a holder, such as approle_role auth/approle/web).',
        }),
        grant: f.string({ description: 'The grant decided on (a policy, or policy:pattern:capability).' }),
        decision: f.string({ description: 'keep, revoke or modify.' }),
        note: f.string({ description: 'Why.' }),
      },
      help: 'Record a decision on one grant of an open review.',
      operations: {
        update: async (ctx) => {
          const decision = requiredText(ctx.input.decision, 'decision').toLowerCase()
          if (!(DECISIONS as readonly string[]).includes(decision))
            throw new InvalidRequestError(`"decision" must be one of ${DECISIONS.join(', ')}`)
          const record = await reviews.decide(ctx.input.id!, {
            subject: requiredText(ctx.input.subject, 'subject'),
            grant: requiredText(ctx.input.grant, 'grant'),
            decision: decision as Decision,
            note: ctx.input.note?.trim() ?? '',
            decidedBy: callerName(ctx),
          })
          return { data: { ...record } }
        },
      },
    }),
    definePath({
      pattern: 'access/reviews/:id/close',
      fields: { id: f.string({ required: true }) },
      help: 'Close an open review; no decision can be added afterwards.',
      operations: {
        update: async (ctx) => ({ data: { ...(await reviews.close(ctx.input.id!)) } }),
      },
    }),
  ]
}
