// The rule list: every built-in rule, in the order the documentation lists them.
import { GENERIC_RULE } from '../generic.ts'
import type { Rule } from '../types.ts'
import { CLOUD_RULES } from './cloud.ts'
import { AI_RULES, REGISTRY_RULES } from './registries-ai.ts'
import { SAAS_RULES } from './saas.ts'
import { STRUCTURAL_RULES } from './structural.ts'
import { VAULT_RULES } from './vault.ts'
import { VCS_RULES } from './vcs.ts'

export const BUILTIN_RULES: readonly Rule[] = [
  ...CLOUD_RULES,
  ...VCS_RULES,
  ...SAAS_RULES,
  ...REGISTRY_RULES,
  ...AI_RULES,
  ...VAULT_RULES,
  ...STRUCTURAL_RULES,
  GENERIC_RULE,
]
