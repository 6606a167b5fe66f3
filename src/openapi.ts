// The OpenAPI document as committed in openapi.json: generated from a fully-featured configuration so every
// route appears, whatever the local settings.
import { build } from '../plugins/app.js'

export async function generateOpenApi (): Promise<string> {
  const app = await build({
    dotenv: false,
    env: {
      GENESYS_CLIENT_ID: 'openapi',
      GENESYS_CLIENT_SECRET: 'openapi',
      HANDOFF_QUEUE_ID: 'openapi',
      SESSION_SECRET: 'openapi-generation-only-0123456789abcdef',
      ADMIN_TOKEN: 'openapi',
      DOCS_ENABLED: 'false'
    }
  })
  try {
    await app.ready()
    return JSON.stringify(app.swagger(), null, 2) + '\n'
  } finally {
    await app.close()
  }
}
