// End-to-end: ending and locking an inspection is one step (issue 10, item 7; REC-4, CERT-4), in the real window.
// An inspection is seeded with the CLI in the app's own data directory. With only officer 1 presented, the lock
// is refused: the reason shows in Chinese, the screen still says in progress and not ended, and still offers
// editing with the officer's unsaved findings in place; the stored record, read back by the CLI, has the same
// heads and content as before (not ended, the findings not stored). Officer 2 then presents and the same button
// ends and locks it together.
//
// Environment (besides lib.mjs's): E2E_TERMINAL (the CLI), E2E_DATA (the app's data directory), E2E_AGENCY.
import { execFileSync } from 'node:child_process'
import { $, OFFICER_1, OFFICER_2, browser, byTest, click, clickShown, enterPin, present, required, runSpec, scrollTo, shot, step, textOf, type, until } from './lib.mjs'

const terminal = required('E2E_TERMINAL')
const data = required('E2E_DATA')
const agency = process.env.E2E_AGENCY ?? '巴彦淖尔市市场监督管理局'
const PARTY = '临河区锁定测试便利店'
const FINDINGS = '冷藏柜温度 4℃，证照齐全。'

const cli = (...args) => execFileSync(terminal, ['--data', data, ...args], { encoding: 'utf8' }).trim()
const id = cli(
  'inspection', 'new', '--kind', 'inspection', '--item-code', '330217A01000', '--item-name', '食品生产经营日常监督检查',
  '--category', '食品安全', '--region', '150802', '--party-name', PARTY, '--agency', agency,
)
/** The stored record as the CLI reads it from the same data directory: heads and the whole view. */
const stored = () => ({ heads: cli('inspection', 'heads', id), view: JSON.parse(cli('inspection', 'show', id, '--json')) })

async function confirmLock() {
  await scrollTo(byTest('lock-button'), 'center')
  await click(byTest('lock-button'))
  await clickShown('.van-dialog__confirm')
}

await runSpec('lock', async () => {
  step('officer 1 unlocks and opens the seeded inspection from home')
  await until(async () => (await browser.$$(byTest('officer-card'))).length >= 2, 'two officer cards expected')
  await click(`${byTest('officer-card')}[data-number="${OFFICER_1.number}"]`)
  await enterPin(OFFICER_1.pin)
  const row = `${byTest('inspection-row')}[data-id="${id}"]`
  await $(row).waitForDisplayed({ timeout: 15_000, timeoutMsg: `home does not list inspection ${id}` })
  await click(row)
  await $(byTest('inspection-detail')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the inspection did not open' })

  step('only officer 1 presents, types findings without saving, and locks')
  await present(OFFICER_1)
  const before = stored()
  await type(`${byTest('findings-input')} textarea`, FINDINGS)
  await confirmLock()

  step('the lock is refused: reason in Chinese, still in progress, not ended, still editable')
  const refusal = await textOf(byTest('lock-refusal'))
  console.log(`  refusal: ${refusal}`)
  if (!refusal.includes('未锁定') || !refusal.includes('至少需要两名持证执法人员'))
    throw new Error(`the refusal reads "${refusal}"`)
  const status = await textOf(byTest('detail-status'))
  if (status !== '进行中') throw new Error(`after a refused lock the status reads "${status}"`)
  const ended = await $(byTest('detail-ended'))
  if ((await ended.getAttribute('data-ended')) !== 'no') throw new Error(`the screen says ended: ${await ended.getText()}`)
  if (!(await ended.getText()).includes('未结束')) throw new Error(`the end reads "${await ended.getText()}"`)
  if (await $(byTest('locked-notice')).isExisting()) throw new Error('a refused lock shows the locked notice')
  const typed = await $(`${byTest('findings-input')} textarea`).getValue()
  if (typed !== FINDINGS) throw new Error(`the unsaved findings became "${typed}"`)
  if (!(await $(byTest('save')).isEnabled())) throw new Error('saving is not offered after a refused lock')
  if (!(await $(byTest('lock-button')).isDisplayed())) throw new Error('locking is not offered again')
  await until(async () => !(await $('.van-toast').isDisplayed()), 'the toast did not go away', 6_000)
  await scrollTo(byTest('lock-refusal'), 'center')
  await shot('lock-refused', { portrait: true })

  step('the stored record is exactly as it was: same heads, not ended, findings not stored')
  const after = stored()
  if (after.heads !== before.heads) throw new Error(`heads changed: ${before.heads} -> ${after.heads}`)
  if (JSON.stringify(after.view) !== JSON.stringify(before.view)) throw new Error('the stored record changed')
  if (after.view.inspection.ended_at !== null || after.view.inspection.status !== 'in_progress')
    throw new Error(`stored: ended_at ${after.view.inspection.ended_at}, status ${after.view.inspection.status}`)

  step('officer 2 presents; the same button ends and locks it')
  await present(OFFICER_2)
  await confirmLock()
  await $(byTest('locked-notice')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the record did not lock' })
  if ((await $(byTest('detail-ended')).getAttribute('data-ended')) !== 'yes') throw new Error('locked but not ended')
  if (await $(byTest('lock-refusal')).isExisting()) throw new Error('the old refusal is still shown')
  const locked = stored().view.inspection
  if (locked.status !== 'locked' || !locked.ended_at || locked.lock?.by !== OFFICER_1.number)
    throw new Error(`stored: status ${locked.status}, ended_at ${locked.ended_at}, lock by ${locked.lock?.by}`)
  console.log(`  ended at ${locked.ended_at}, locked by ${locked.lock.by}`)

  step('sign out')
  await click(byTest('back'))
  await click(byTest('sign-out'))
  await until(async () => (await browser.$$(byTest('officer-card'))).length >= 2, 'sign-out did not return to the officers')
})
