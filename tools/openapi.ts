// The OpenAPI document as committed in openapi.json: generated from a fully-featured configuration so every
// route appears, whatever the local settings. `npm run openapi` writes openapi.json; `--check` fails when the
// committed file is stale.
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
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
      BOT_URL: 'http://127.0.0.1:9/botconnector',
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

async function main (check: boolean): Promise<void> {
  const target = new URL('../openapi.json', import.meta.url)
  const generated = await generateOpenApi()
  if (check) {
    const committed = await readFile(target, 'utf8').catch(() => '')
    if (committed !== generated) {
      console.error('openapi.json is stale: run `npm run openapi` and commit it')
      process.exit(1)
    }
    console.log('openapi.json is up to date')
  } else {
    await writeFile(target, generated)
    console.log(`wrote ${target.pathname}`)
  }
}

// Imported by the tests for generateOpenApi: write or check only when run as a command.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.includes('--check'))
}
