// Source-hosting and CI tokens: GitHub, GitLab, Bitbucket/Atlassian, CircleCI.
import type { Rule } from '../types.ts'
import { prefixedCrc32Valid } from '../validate.ts'

/** GitHub's classic formats: prefix, 30 random base62 characters, then a base62 CRC32 of them. */
function github(id: string, prefix: string, description: string): Rule {
  return {
    id,
    description,
    keywords: [prefix],
    pattern: new RegExp(`(?<![A-Za-z0-9_])(${prefix}[A-Za-z0-9]{36})(?![A-Za-z0-9_])`),
    validate: (token) => prefixedCrc32Valid(token, prefix.length),
    checksummed: true,
    priority: 10,
  }
}

export const VCS_RULES: readonly Rule[] = [
  github('github-pat', 'ghp_', 'GitHub personal access token (classic)'),
  github('github-oauth-token', 'gho_', 'GitHub OAuth access token'),
  github('github-user-to-server-token', 'ghu_', 'GitHub App user-to-server token'),
  github('github-app-installation-token', 'ghs_', 'GitHub App installation (server-to-server) token'),
  github('github-refresh-token', 'ghr_', 'GitHub refresh token'),
  {
    id: 'github-fine-grained-pat',
    description: 'GitHub fine-grained personal access token',
    keywords: ['github_pat_'],
    pattern: /(?<![A-Za-z0-9_])(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])/,
    minEntropy: 4,
    priority: 10,
  },
  {
    id: 'gitlab-pat',
    description: 'GitLab personal, project or group access token',
    keywords: ['glpat-'],
    pattern: /(?<![\w-])(glpat-[A-Za-z0-9_-]{20,})(?![\w-])/,
    minEntropy: 3.5,
    priority: 10,
  },
  {
    id: 'gitlab-deploy-token',
    description: 'GitLab deploy token',
    keywords: ['gldt-'],
    pattern: /(?<![\w-])(gldt-[A-Za-z0-9_-]{20,})(?![\w-])/,
    minEntropy: 3.5,
    priority: 10,
  },
  {
    id: 'gitlab-runner-token',
    description: 'GitLab runner authentication token',
    keywords: ['glrt-'],
    pattern: /(?<![\w-])(glrt-[A-Za-z0-9_-]{20,})(?![\w-])/,
    minEntropy: 3.5,
    priority: 10,
  },
  {
    id: 'gitlab-runner-registration-token',
    description: 'GitLab runner registration token (legacy)',
    keywords: ['gr1348941'],
    pattern: /(?<![\w-])(GR1348941[A-Za-z0-9_-]{20})(?![\w-])/,
    minEntropy: 3.5,
    priority: 10,
  },
  {
    id: 'gitlab-pipeline-trigger-token',
    description: 'GitLab pipeline trigger token',
    keywords: ['glptt-'],
    pattern: /(?<![\w-])(glptt-[0-9a-f]{40})(?![\w-])/,
    minEntropy: 3,
    priority: 10,
  },
  {
    id: 'gitlab-oauth-app-secret',
    description: 'GitLab OAuth application secret',
    keywords: ['gloas-'],
    pattern: /(?<![\w-])(gloas-[0-9a-f]{64})(?![\w-])/,
    minEntropy: 3,
    priority: 10,
  },
  {
    id: 'gitlab-ci-build-token',
    description: 'GitLab CI/CD job token',
    keywords: ['glcbt-'],
    pattern: /(?<![\w-])(glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20})(?![\w-])/,
    minEntropy: 3.5,
    priority: 10,
  },
  {
    id: 'bitbucket-app-password',
    description: 'Bitbucket app password / repository access token',
    keywords: ['atbb', 'atctt3x'],
    pattern: /(?<![\w-])((?:ATBB|ATCTT3x)[A-Za-z0-9_=-]{32,})(?![\w-])/,
    minEntropy: 3.5,
    priority: 10,
  },
  {
    id: 'atlassian-api-token',
    description: 'Atlassian (Jira, Confluence) API token',
    keywords: ['atatt3'],
    pattern: /(?<![\w-])(ATATT3[A-Za-z0-9_=-]{180,200})(?![\w-])/,
    minEntropy: 4,
    priority: 10,
  },
  {
    id: 'circleci-pat',
    description: 'CircleCI personal API token',
    keywords: ['ccipat_'],
    pattern: /(?<![\w-])(CCIPAT_[A-Za-z0-9]{22}_[0-9a-f]{40})(?![\w-])/,
    minEntropy: 3.5,
    priority: 10,
  },
]
