// The evidence a review starts from: who-can for each path in scope, and each policy in scope's rules and holders.
import { rfc3339 } from '../../../lib/time.ts'
import { collectHolders, holderRef } from './holders.ts'
import type { ReviewScope } from './review-store.ts'
import { ruleText, writtenPattern } from './rule-text.ts'
import { type AccessServices, whoCan } from './who-can.ts'

export async function reviewEvidence(
  services: AccessServices,
  scope: ReviewScope,
  now: number,
): Promise<Record<string, unknown>> {
  const who_can: Record<string, unknown> = {}
  for (const path of scope.paths) who_can[path] = (await whoCan(services, path)).capabilities
  const policies: Record<string, unknown> = {}
  if (scope.policies.length > 0) {
    const holders = await collectHolders(services)
    const parsed = new Map((await services.policies.policiesFor(scope.policies)).map((p) => [p.name, p]))
    for (const name of scope.policies) {
      const policy = parsed.get(name)
      policies[name] = {
        exists: policy !== undefined,
        rules: (policy?.rules ?? []).map((rule) => ({ pattern: writtenPattern(rule), rule: ruleText(rule) })),
        holders: holders.filter((h) => !h.disabled && h.policies.includes(name)).map(holderRef),
      }
    }
  }
  return { captured_at: rfc3339(now), who_can, policies }
}
