// `npm run openapi` writes openapi.json from the route schemas; `--check` fails when the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises'
import { generateOpenApi } from '../src/openapi.js'

const target = new URL('../openapi.json', import.meta.url)
const generated = await generateOpenApi()
if (process.argv.includes('--check')) {
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
