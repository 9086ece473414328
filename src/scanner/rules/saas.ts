// Chat, payment, messaging, monitoring and productivity SaaS credentials.
import type { Rule } from '../types.ts'

/** A fixed prefix followed by a body over one alphabet, bounded on both sides. */
function prefixed(id: string, description: string, prefix: string, body: string, minEntropy = 3.5): Rule {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return {
    id,
    description,
    keywords: [prefix.toLowerCase()],
    pattern: new RegExp(`(?<![\\w-])(${escaped}${body})(?![\\w-])`),
    minEntropy,
    priority: 10,
  }
}

/** A value assigned to a name containing `context` (the format alone is too plain, e.g. 32 hex digits). */
function named(
  id: string,
  description: string,
  keywords: string[],
  context: string,
  value: string,
  minEntropy = 3,
): Rule {
  return {
    id,
    description,
    keywords,
    pattern: new RegExp(
      `${context}[\\w.-]{0,30}\\\\?["']?\\s*(?:[:=]|:=|=>)\\s*\\\\?["']?(${value})(?![A-Za-z0-9])`,
      'i',
    ),
    minEntropy,
    priority: 9,
  }
}

export const SAAS_RULES: readonly Rule[] = [
  prefixed('slack-bot-token', 'Slack bot token', 'xoxb-', '\\d{10,13}-\\d{10,13}-[A-Za-z0-9]{24}'),
  prefixed('slack-user-token', 'Slack user token', 'xoxp-', '\\d{10,13}-\\d{10,13}-\\d{10,13}-[a-f0-9]{32}'),
  prefixed('slack-app-token', 'Slack app-level token', 'xapp-', '\\d-[A-Z0-9]{9,11}-\\d{10,13}-[a-f0-9]{64}'),
  {
    id: 'slack-webhook-url',
    description: 'Slack incoming webhook URL',
    keywords: ['hooks.slack.com'],
    pattern: /(hooks\.slack\.com\/(?:services|workflows)\/T[A-Z0-9]{8,12}\/B[A-Z0-9]{8,12}\/[A-Za-z0-9]{24})/,
    minEntropy: 3.5,
    priority: 10,
  },
  {
    id: 'discord-webhook-url',
    description: 'Discord webhook URL',
    keywords: ['discord'],
    pattern: /(discord(?:app)?\.com\/api\/webhooks\/\d{17,20}\/[A-Za-z0-9_-]{60,68})/,
    minEntropy: 3.5,
    priority: 10,
  },
  {
    id: 'telegram-bot-token',
    description: 'Telegram bot token',
    keywords: [':aa'],
    pattern: /(?<![\w:])(\d{8,10}:AA[A-Za-z0-9_-]{33})(?![\w-])/,
    minEntropy: 3.5,
    priority: 10,
  },
  prefixed('stripe-secret-key', 'Stripe live secret key', 'sk_live_', '[A-Za-z0-9]{24,99}'),
  prefixed('stripe-restricted-key', 'Stripe restricted key', 'rk_live_', '[A-Za-z0-9]{24,99}'),
  prefixed('stripe-test-secret-key', 'Stripe test-mode secret key', 'sk_test_', '[A-Za-z0-9]{24,99}'),
  prefixed('stripe-webhook-secret', 'Stripe webhook signing secret', 'whsec_', '[A-Za-z0-9]{32,64}'),
  named('twilio-api-key', 'Twilio API key SID and secret', ['twilio'], 'twilio', 'SK[0-9a-f]{32}'),
  named('twilio-auth-token', 'Twilio auth token', ['twilio'], 'twilio[_.-]?auth[_.-]?token', '[0-9a-f]{32}'),
  prefixed('sendgrid-api-key', 'SendGrid API key', 'SG.', '[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}'),
  prefixed('mailgun-api-key', 'Mailgun API key', 'key-', '[0-9a-f]{32}', 3),
  {
    id: 'mailchimp-api-key',
    description: 'Mailchimp API key',
    keywords: ['-us'],
    pattern: /(?<![\w-])([0-9a-f]{32}-us\d{1,2})(?![\w-])/,
    minEntropy: 3,
    priority: 10,
  },
  prefixed('shopify-access-token', 'Shopify Admin API access token', 'shpat_', '[a-fA-F0-9]{32}', 3),
  prefixed('shopify-custom-app-token', 'Shopify custom app access token', 'shpca_', '[a-fA-F0-9]{32}', 3),
  prefixed('shopify-private-app-token', 'Shopify private app password', 'shppa_', '[a-fA-F0-9]{32}', 3),
  prefixed('shopify-shared-secret', 'Shopify app shared secret', 'shpss_', '[a-fA-F0-9]{32}', 3),
  prefixed('square-access-token', 'Square access token', 'EAAA', '[A-Za-z0-9_-]{60}'),
  prefixed('square-oauth-secret', 'Square OAuth application secret', 'sq0csp-', '[A-Za-z0-9_-]{43}'),
  named(
    'datadog-api-key',
    'Datadog API key',
    ['datadog', 'dd_api', 'ddapi', 'dd.api'],
    '(?:datadog|dd)[_.-]?api[_.-]?key',
    '[0-9a-f]{32}',
  ),
  named(
    'datadog-app-key',
    'Datadog application key',
    ['datadog', 'dd_app', 'ddapp', 'dd.app'],
    '(?:datadog|dd)[_.-]?app(?:lication)?[_.-]?key',
    '[0-9a-f]{40}',
  ),
  prefixed('new-relic-user-api-key', 'New Relic user API key', 'NRAK-', '[A-Z0-9]{27}'),
  prefixed('sentry-auth-token', 'Sentry organisation auth token', 'sntrys_', '[A-Za-z0-9+/=_]{60,}'),
  prefixed('notion-integration-token', 'Notion integration token', 'ntn_', '\\d{11}[A-Za-z0-9]{35}'),
  prefixed('linear-api-key', 'Linear API key', 'lin_api_', '[A-Za-z0-9]{40}'),
  prefixed('postman-api-key', 'Postman API key', 'PMAK-', '[a-f0-9]{24}-[a-f0-9]{34}', 3),
  prefixed('doppler-token', 'Doppler service or personal token', 'dp.pt.', '[A-Za-z0-9]{43}'),
]
