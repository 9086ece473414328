// Coffer's own service tokens and access key IDs, and HashiCorp Vault tokens.
import { shannonEntropy } from '../entropy.ts'
import type { Rule } from '../types.ts'

export const VAULT_RULES: readonly Rule[] = [
  {
    id: 'coffer-token',
    description: 'Coffer service token',
    keywords: ['cvs.'],
    // `cvs.` + 7 clock characters + 40 random ones of [A-Za-z0-9] (src/server/core/token/token-store.ts);
    // tokens made before the clock prefix have the 40 random characters alone.
    pattern: /(?<![\w.-])(cvs\.(?:[A-Za-z0-9]{47}|[A-Za-z0-9]{40}))(?![\w-])/,
    minEntropy: 4,
    priority: 11,
  },
  {
    id: 'coffer-batch-token',
    description: 'Coffer batch token',
    keywords: ['cvb.'],
    // `cvb.` + base64url of a sealed token entry (src/server/core/token/batch-tokens.ts): hundreds of characters.
    pattern: /(?<![\w.-])(cvb\.[A-Za-z0-9_-]{120,})(?![\w-])/,
    minEntropy: 4,
    priority: 11,
  },
  {
    id: 'coffer-access-key-id',
    description: 'Coffer access key ID (aws-keys auth method: CKIA long-term, CSIA session credentials)',
    keywords: ['ckia', 'csia'],
    // `CKIA`/`CSIA` + 16 base32 characters (src/server/auth/aws-keys/key-store.ts, session-store.ts), shaped like
    // AWS's AKIA…/ASIA… IDs.
    pattern: /(?<![A-Z0-9])(C[KS]IA[A-Z2-7]{16})(?![A-Z0-9])/,
    minEntropy: 3,
    priority: 10,
  },
  {
    id: 'vault-service-token',
    description: 'HashiCorp Vault service token',
    keywords: ['hvs.'],
    pattern: /(?<![\w.-])(hvs\.[A-Za-z0-9_-]{24,})(?![\w-])/,
    minEntropy: 3.5,
    priority: 10,
  },
  {
    id: 'vault-batch-token',
    description: 'HashiCorp Vault batch token',
    keywords: ['hvb.'],
    pattern: /(?<![\w.-])(hvb\.[A-Za-z0-9_-]{24,})(?![\w-])/,
    minEntropy: 3.5,
    priority: 10,
  },
  {
    id: 'vault-recovery-token',
    description: 'HashiCorp Vault recovery token',
    keywords: ['hvr.'],
    pattern: /(?<![\w.-])(hvr\.[A-Za-z0-9_-]{24,})(?![\w-])/,
    minEntropy: 3.5,
    priority: 10,
  },
  {
    id: 'vault-legacy-token',
    description: 'HashiCorp Vault token (pre-1.10 s. format, next to a Vault name)',
    keywords: ['vault'],
    pattern: /vault[\w.-]{0,30}\\?["']?\s*(?:[:=]|:=|=>)\s*\\?["']?(s\.[A-Za-z0-9]{24})(?![\w-])/i,
    // Mixed case and digits: a generated id, not a word.
    validate: (t) => /[a-z]/.test(t.slice(2)) && /[A-Z]/.test(t) && /\d/.test(t) && shannonEntropy(t) > 3.5,
    priority: 10,
  },
]
