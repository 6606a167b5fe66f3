// Anything that could carry a credential is censored wherever it appears in a log line.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-hub-signature-256"]',
  '*.headers.authorization',
  '*.headers["x-hub-signature-256"]',
  '*.authorization',
  '*.clientSecret',
  '*.client_secret',
  '*.accessToken',
  '*.access_token',
  '*.token',
  '*.secret',
  '*.sessionSecret',
  '*.adminToken',
  '*.webhookSecret',
  '*.metricsToken',
  '*.signature',
  'clientSecret',
  'accessToken',
  'access_token',
  'token',
  'signature',
  'webhookSecret',
  // the AppConfig object, logged whole or under one key
  'genesys.clientSecret',
  'session.secret',
  'metrics.token',
  '*.genesys.clientSecret',
  '*.session.secret',
  '*.metrics.token'
]

export function loggerOptions (level: string): { level: string, redact: { paths: string[], censor: string } } {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }
  }
}
