// Generated documents: openapi.json from a fully-featured configuration (so every route appears, whatever the
// local settings) and the error table in docs/api.md from the error classes. `npm run openapi` writes them;
// `--check` fails when a committed one is stale.
import { readFile, writeFile } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from '../plugins/app.js'
import { ALL_ERROR_KINDS } from '../src/error-catalogue.js'

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

/** The docs' error table (markdown), one row per error kind. */
export function errorTable (): string {
  const rows = ALL_ERROR_KINDS.map(k => `| ${k.status} | \`${k.code}\` | \`${k.outcome}\` | ${k.retryAfter === true ? 'yes' : ''} | ${k.description} |`)
  return ['| status | code | outcome label | Retry-After | meaning |', '|--:|---|---|---|---|', ...rows].join('\n')
}

const ERRORS_START = '<!-- errors:start -->'
const ERRORS_END = '<!-- errors:end -->'

/** docs/api.md with its error table regenerated from the error classes (between the markers). */
export function withErrorTable (markdown: string): string {
  const start = markdown.indexOf(ERRORS_START)
  const end = markdown.indexOf(ERRORS_END)
  if (start === -1 || end < start) throw new Error(`docs/api.md needs the markers ${ERRORS_START} and ${ERRORS_END}`)
  return markdown.slice(0, start + ERRORS_START.length) + '\n' + errorTable() + '\n' + markdown.slice(end)
}

async function generated (): Promise<Array<{ target: URL, text: string }>> {
  const docs = new URL('../docs/api.md', import.meta.url)
  return [
    { target: new URL('../openapi.json', import.meta.url), text: await generateOpenApi() },
    { target: docs, text: withErrorTable(await readFile(docs, 'utf8')) }
  ]
}

async function main (check: boolean): Promise<void> {
  for (const { target, text } of await generated()) {
    const name = relative(process.cwd(), fileURLToPath(target))
    if (!check) {
      await writeFile(target, text)
      console.log(`wrote ${name}`)
    } else if ((await readFile(target, 'utf8').catch(() => '')) !== text) {
      console.error(`${name} is stale: run \`npm run openapi\` and commit it`)
      process.exit(1)
    } else {
      console.log(`${name} is up to date`)
    }
  }
}

// Imported by the tests for generateOpenApi: write or check only when run as a command.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.includes('--check'))
}
