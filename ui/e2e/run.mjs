// Runs every end-to-end spec (*.e2e.mjs) against the app, one process and one app session each, in order:
// inspection.e2e.mjs first (it writes E2E_RESULT for scripts/app-smoke.sh), then the others by name. Stops at the
// first failure. E2E_ONLY=name[,name] runs only those specs (names without .e2e.mjs), for work on one of them.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const only = (process.env.E2E_ONLY ?? '').split(',').filter(Boolean)
const specs = readdirSync(here)
  .filter((file) => file.endsWith('.e2e.mjs'))
  .map((file) => file.slice(0, -'.e2e.mjs'.length))
  .sort((a, b) => (a === 'inspection' ? -1 : b === 'inspection' ? 1 : a.localeCompare(b)))
  .filter((name) => only.length === 0 || only.includes(name))
if (specs.length === 0) throw new Error(`no spec matches E2E_ONLY=${process.env.E2E_ONLY}`)

for (const name of specs) {
  console.log(`\n# e2e: ${name}`)
  const run = spawnSync(process.execPath, [`${name}.e2e.mjs`], { cwd: here, stdio: 'inherit' })
  if (run.status !== 0) {
    console.error(`e2e: ${name} failed (exit ${run.status ?? run.signal})`)
    process.exit(1)
  }
}
console.log(`\ne2e: ${specs.length} spec(s) passed: ${specs.join(', ')}`)
