// Package-registry tokens (npm, PyPI, Docker Hub, RubyGems, NuGet) and AI provider API keys.
import type { Rule } from '../types.ts'
import { prefixedCrc32Valid } from '../validate.ts'

function token(id: string, description: string, keyword: string, pattern: RegExp, minEntropy = 3.5): Rule {
  return { id, description, keywords: [keyword], pattern, minEntropy, priority: 10 }
}

export const REGISTRY_RULES: readonly Rule[] = [
  {
    id: 'npm-access-token',
    description: 'npm access token',
    keywords: ['npm_'],
    pattern: /(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])/,
    // npm tokens carry the same CRC32 suffix as GitHub's.
    validate: (t) => prefixedCrc32Valid(t, 4),
    checksummed: true,
    priority: 10,
  },
  token(
    'pypi-upload-token',
    'PyPI API token',
    'pypi-ageichlwas5vcmc',
    /(?<![\w-])(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})(?![\w-])/,
  ),
  token(
    'dockerhub-pat',
    'Docker Hub personal access token',
    'dckr_pat_',
    /(?<![\w-])(dckr_pat_[A-Za-z0-9_-]{27})(?![\w-])/,
  ),
  token('rubygems-api-key', 'RubyGems API key', 'rubygems_', /(?<![\w-])(rubygems_[0-9a-f]{48})(?![\w-])/, 3),
  token('nuget-api-key', 'NuGet API key', 'oy2', /(?<![\w-])(oy2[a-z0-9]{43})(?![\w-])/),
]

export const AI_RULES: readonly Rule[] = [
  token(
    'openai-api-key',
    'OpenAI API key',
    't3blbkfj',
    /(?<![\w-])(sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,74}T3BlbkFJ[A-Za-z0-9_-]{20,74})(?![\w-])/,
  ),
  token(
    'anthropic-api-key',
    'Anthropic API key',
    'sk-ant-api',
    /(?<![\w-])(sk-ant-api\d\d-[A-Za-z0-9_-]{93}AA)(?![\w-])/,
  ),
  token(
    'anthropic-admin-key',
    'Anthropic admin API key',
    'sk-ant-admin',
    /(?<![\w-])(sk-ant-admin\d\d-[A-Za-z0-9_-]{93}AA)(?![\w-])/,
  ),
  token('huggingface-token', 'Hugging Face access token', 'hf_', /(?<![\w-])(hf_[A-Za-z]{34})(?![\w-])/),
  token('groq-api-key', 'Groq API key', 'gsk_', /(?<![\w-])(gsk_[A-Za-z0-9]{52})(?![\w-])/),
  token('replicate-api-token', 'Replicate API token', 'r8_', /(?<![\w-])(r8_[A-Za-z0-9]{37})(?![\w-])/),
  token('perplexity-api-key', 'Perplexity API key', 'pplx-', /(?<![\w-])(pplx-[A-Za-z0-9]{48})(?![\w-])/),
  token('xai-api-key', 'xAI API key', 'xai-', /(?<![\w-])(xai-[A-Za-z0-9]{80})(?![\w-])/),
]
