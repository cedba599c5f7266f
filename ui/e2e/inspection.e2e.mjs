// End-to-end test of the real window: a whole inspection on one tablet, driven through tauri-driver (WebDriver on
// 127.0.0.1). Officer 1 unlocks (after one wrong PIN), opens an inspection, presents; officer 2 unlocks on the same
// tablet and presents; officer 1 verifies officer 2's QR, fills the checklist, findings and result, imports a photo
// and an audio file, has the party sign on the pad (a stroke drawn with WebDriver pointer actions), locks the
// record (an attempt to interfere recorded before), amends the result with a reason, replays the case on the timeline, and syncs: documents and each upload
// (photo, audio, signature) must end done. Saves screenshots of the main screens and writes the inspection's id
// for the smoke script to look it up on the server.
//
// Environment:
//   FIELDTRAIL_APP     path of the app binary (required)
//   E2E_MEDIA          directory with photo.jpg and audio.wav (required)
//   E2E_SCREENSHOTS    directory for the screenshots (required)
//   E2E_RESULT         file to write {"id": ...} to (required)
//   E2E_PARTIES        party names of seeded inspections the home screen must list, "|"-separated (optional)
//   TAURI_DRIVER_PORT  tauri-driver's port (default 4444)
//   E2E_FAILURE_DIR    where a failure's screenshot goes (default: the system's temporary directory)
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  $, OFFICER_1, OFFICER_2, browser, byTest, click, clickShown, drawSignature, enterPin, pick, present, required,
  runSpec, scrollTo, shot, step, textOf, type, until,
} from './lib.mjs'

const media = required('E2E_MEDIA')
const resultFile = required('E2E_RESULT')
const parties = (process.env.E2E_PARTIES ?? '').split('|').filter(Boolean)
const PARTY = '临河区惠民食品超市'
/** The demo catalogue's item the inspection is opened from (scripts/demo/catalogue.json). */
const ITEM = {
  code: 'SCJG-JC-001',
  name: '食品经营者日常监督检查',
  category: '食品安全',
  law: '中华人民共和国食品安全法',
  article: '第一百一十条',
}
const RESULT = '未发现违法行为'
const AMENDED = '责令改正：补齐冷藏柜温度记录'
const INTERFERENCE = '店员阻挡拍摄冷藏柜，经劝说后停止'
const AMEND_REASON = '现场复核发现温度记录缺失，原结果有误'

await runSpec('inspection', async () => {
  await browser.execute(() => localStorage.removeItem('fieldtrail.locale'))
  await browser.refresh()

  step('officer selection')
  await until(async () => (await browser.$$(byTest('officer-card'))).length === 2, 'two officer cards expected')
  await shot('officers')

  step('a wrong PIN is refused with a sentence, the right one unlocks')
  await click(`${byTest('officer-card')}[data-number="${OFFICER_1.number}"]`)
  await enterPin('135790')
  const pinError = await textOf(byTest('pin-error'))
  console.log(`  wrong PIN: ${pinError}`)
  if (!pinError.includes('PIN 码错误')) throw new Error(`wrong PIN shows "${pinError}"`)
  await shot('pin')
  await enterPin(OFFICER_1.pin)
  await $(byTest('new-inspection')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'home did not open' })

  step('home lists the seeded inspections')
  if (parties.length > 0) {
    await until(async () => {
      const texts = await browser.$$(byTest('party-name')).map((el) => el.getText())
      return parties.every((party) => texts.some((text) => text.includes(party)))
    }, `home did not list: ${parties.join(', ')}`)
  }

  step('new inspection')
  await click(byTest('new-inspection'))
  // The item comes from the catalogue (REC-8): search it in Chinese, pick it, and the legal basis is filled in.
  await click(byTest('pick-item'))
  await type(`${byTest('catalogue-search')} input`, '食品经营')
  await until(
    async () => (await browser.$$(`${byTest('catalogue-item')}[data-code="${ITEM.code}"]`)).length === 1,
    `the catalogue search did not find ${ITEM.code}`,
  )
  await shot('catalogue', { portrait: true })
  await click(`${byTest('catalogue-item')}[data-code="${ITEM.code}"]`)
  await until(
    async () => (await $(`${byTest('basis-law-input')} input`).getValue()) === ITEM.law,
    'picking the item did not fill the legal basis',
  )
  const filled = {
    name: await $(`${byTest('item-name-input')} input`).getValue(),
    article: await $(`${byTest('basis-article-input')} input`).getValue(),
    category: await $(`${byTest('category-input')} input`).getValue(),
  }
  console.log(`  picked ${ITEM.code}: ${filled.name} / ${ITEM.law} ${filled.article} / ${filled.category}`)
  if (filled.name !== ITEM.name || filled.article !== ITEM.article || filled.category !== ITEM.category)
    throw new Error(`the picked item filled ${JSON.stringify(filled)}`)
  await type(`${byTest('region-input')} input`, '150802')
  await type(`${byTest('party-name-input')} input`, PARTY)
  await type(`${byTest('credit-code-input')} input`, '91150802MA0N000000')
  await type(`${byTest('address-input')} input`, '巴彦淖尔市临河区新华街 18 号')
  await type(`${byTest('checklist-input')} textarea`, '证照是否齐全\n冷藏温度是否达标\n从业人员健康证明')
  // The screenshot shows the item as the catalogue filled it, at the top of the form, without the toast over it.
  await until(async () => !(await $('.van-toast').isDisplayed()), 'the toast did not go away', 5_000)
  await browser.execute(() => window.scrollTo(0, 0))
  await shot('new-inspection', { portrait: true })
  await click(byTest('create-inspection'))
  await $(byTest('inspection-detail')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the inspection did not open' })
  const party = await textOf(byTest('detail-party'))
  if (!party.includes(PARTY)) throw new Error(`detail shows party "${party}"`)

  step('officer 1 presents')
  await present(OFFICER_1, 'presentation')
  step('officer 2 unlocks on the same tablet and presents')
  const qr2 = await present(OFFICER_2, 'presentation-2')
  await until(async () => (await browser.$$(byTest('presentation-row'))).length === 2, 'two presentations expected')

  step("verify officer 2's QR")
  await click(byTest('verify-other'))
  await type(`${byTest('verify-input')} textarea`, qr2)
  await click(byTest('verify-submit'))
  const verdict = await $(byTest('verify-result'))
  await verdict.waitForDisplayed({ timeout: 15_000, timeoutMsg: 'no verification result' })
  const v = await verdict.getAttribute('data-verdict')
  console.log(`  verdict: ${v}`)
  if (v !== 'valid') throw new Error(`officer 2's presentation verified as ${v}`)
  await shot('verify')
  await click(byTest('back'))

  step('checklist, findings, result')
  await $(byTest('inspection-detail')).waitForDisplayed({ timeout: 10_000 })
  for (let i = 0; i < 3; i += 1) {
    const radios = await browser.$$(`${byTest('checklist')} ${byTest('check-pass')}`)
    await radios[i].click()
    await browser.pause(300)
  }
  await type(`${byTest('findings-input')} textarea`, '现场证照齐全，冷藏柜温度 3℃，从业人员均持有健康证明。')
  await type(`${byTest('result-input')} input`, RESULT)
  await click(byTest('save'))
  await until(async () => !(await $(byTest('save')).isEnabled()), 'save did not complete')

  step('evidence: import a photo and an audio file')
  await click(byTest('evidence-button'))
  await $(byTest('import-button')).waitForDisplayed({ timeout: 10_000 })
  await pick(join(media, 'photo.jpg'))
  await until(async () => (await browser.$$(byTest('evidence-row'))).length === 1, 'the photo did not arrive')
  await pick(join(media, 'audio.wav'))
  await until(async () => (await browser.$$(byTest('evidence-row'))).length === 2, 'the audio file did not arrive')
  if (!(await $(byTest('evidence-thumbnail')).isExisting())) throw new Error('the photo has no thumbnail')
  const duration = await textOf(byTest('evidence-duration'))
  console.log(`  audio ${duration}`)
  await click(`${byTest('evidence-row')} .van-button`)
  const hash = await textOf(byTest('evidence-hash'))
  if (!/[0-9a-f]{64}/.test(hash)) throw new Error(`hash shows "${hash}"`)
  await shot('evidence', { portrait: true })
  await click(byTest('back'))

  step('the party signs on the pad')
  await $(byTest('inspection-detail')).waitForDisplayed({ timeout: 10_000 })
  if ((await $(byTest('signature-state')).getAttribute('data-signed')) !== 'no') throw new Error('signed before signing')
  await click(byTest('signature-button'))
  await drawSignature()
  await until(async () => (await $(byTest('signature-pad')).getAttribute('data-ink')) === 'yes', 'the stroke left no ink')
  await browser.execute(() => window.scrollTo(0, 0))
  await shot('signature')
  await click(byTest('signature-confirm'))
  await $(byTest('inspection-detail')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the signature did not save' })
  await until(
    async () => (await $(byTest('signature-state')).getAttribute('data-signed')) === 'yes',
    'the inspection does not show the signature',
  )

  step('an attempt to interfere is recorded')
  await click(byTest('interference-button'))
  await type(`${byTest('interference-input')} textarea`, INTERFERENCE)
  await click(`${byTest('interference-dialog')} .van-dialog__confirm`)
  await until(async () => (await browser.$$(byTest('interference-row'))).length === 1, 'the interference is not shown')
  const interference = await textOf(byTest('interference-row'))
  if (!interference.includes(INTERFERENCE) || !interference.includes(OFFICER_1.number)) {
    throw new Error(`interference shows "${interference}"`)
  }

  step('lock')
  await until(async () => (await textOf(byTest('evidence-button'))).includes('3'), 'evidence count not 3 (photo, audio, signature)')
  await click(byTest('lock-button'))
  await clickShown('.van-dialog__confirm')
  await $(byTest('locked-notice')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the record did not lock' })
  const status = await textOf(byTest('detail-status'))
  if (status !== '已锁定') throw new Error(`status shows "${status}"`)
  await browser.execute(() => window.scrollTo(0, 0))
  await browser.pause(2200) // the "locked" toast fades
  await shot('inspection', { portrait: true })

  step('amend the result after lock, with a reason')
  if (await $(byTest('lock-button')).isExisting()) throw new Error('a locked record still offers to lock')
  await click(byTest('amend-button'))
  await $(byTest('amend-screen')).waitForDisplayed({ timeout: 10_000, timeoutMsg: 'the amendment screen did not open' })
  await click(byTest('amend-field-result'))
  const was = await textOf(byTest('amend-before'))
  if (was !== RESULT) throw new Error(`amendment shows the result before as "${was}"`)
  await type(`${byTest('amend-text')} textarea`, AMENDED)
  await type(`${byTest('amend-reason')} textarea`, AMEND_REASON)
  await click(byTest('amend-submit'))
  await $(byTest('amendment')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the amendment is not shown' })
  const before = await textOf(byTest('amendment-before'))
  const after = await textOf(byTest('amendment-after'))
  const why = await textOf(byTest('amendment-reason'))
  console.log(`  amended: "${before}" -> "${after}" (${why})`)
  if (before !== RESULT || after !== AMENDED || !why.includes(AMEND_REASON)) throw new Error('the amendment reads wrong')
  if ((await $(`${byTest('result-input')} input`).getValue()) !== AMENDED) throw new Error('the result is not amended')
  await browser.pause(2200) // the "amended" toast fades
  await scrollTo(byTest('amendments'), 'center')
  await shot('amendment')

  step('the timeline replays the case')
  await click(byTest('timeline-button'))
  await until(async () => (await browser.$$(byTest('timeline-step'))).length > 5, 'the timeline is empty')
  const whats = await browser.$$(byTest('timeline-step')).map((el) => el.getAttribute('data-what'))
  const labels = await browser.$$(byTest('timeline-what')).map((el) => el.getText())
  console.log(`  ${whats.length} steps: ${labels.join(' / ')}`)
  const count = (what) => whats.filter((w) => w === what).length
  if (count('present certificate') !== 2) throw new Error(`${count('present certificate')} presentation steps`)
  for (const what of ['create inspection', 'party signed', 'record interference', 'lock', 'amend']) {
    if (count(what) !== 1) throw new Error(`the timeline has ${count(what)} "${what}" steps`)
  }
  if (whats.indexOf('lock') > whats.indexOf('amend')) throw new Error('the amendment comes before the lock')
  for (const label of ['出示执法证件', '锁定笔录', '更正笔录', '当事人签名', '记录干扰执法']) {
    if (!labels.includes(label)) throw new Error(`the timeline does not say ${label}`)
  }
  await scrollTo(`${byTest('timeline-step')}:nth-child(${Math.max(1, whats.indexOf('lock') - 1)})`, 'start')
  await shot('timeline')
  await click(byTest('back'))
  await $(byTest('inspection-detail')).waitForDisplayed({ timeout: 10_000 })

  step('sync: documents and the three uploads')
  await click(byTest('back'))
  await click(byTest('sync-button'))
  await $(byTest('sync-finished')).waitForDisplayed({ timeout: 60_000, timeoutMsg: 'the sync did not finish' })
  const phases = await browser.$$(byTest('sync-step')).map((el) => el.getAttribute('data-phase'))
  console.log(`  phases: ${phases.join(', ')}`)
  if (phases.length !== 4 || !phases.every((p) => p === 'done' || p === 'resumed')) {
    const reasons = await browser.$$(byTest('sync-reason')).map((el) => el.getText())
    throw new Error(`sync phases ${phases.join(', ')}: ${reasons.join(' / ')}`)
  }
  await shot('sync', { portrait: true })

  step('home after the sync')
  await click(byTest('back'))
  await $(byTest('new-inspection')).waitForDisplayed({ timeout: 10_000 })
  await until(async () => (await textOf(byTest('last-sync'))) === '刚刚', 'last sync is not "just now"')
  const rowSelector = `${byTest('today-list')} ${byTest('inspection-row')}`
  const ids = await browser.$$(rowSelector).map((el) => el.getAttribute('data-id'))
  const texts = await browser.$$(rowSelector).map((el) => el.getText())
  const mine = ids[texts.findIndex((t) => t.includes(PARTY))]
  if (!mine) throw new Error(`the new inspection is not among today's: ${texts.join(' / ')}`)
  await shot('home', { portrait: true })
  writeFileSync(resultFile, JSON.stringify({ id: mine }))
  console.log(`  inspection ${mine}`)

  step('English is selectable')
  await click(byTest('locale-switch'))
  await until(async () => (await textOf(byTest('sync-button'))).includes('Sync'), 'no English after the switch', 5_000)
  await click(byTest('locale-switch'))

  step('signing out locks both officers again')
  await click(byTest('sign-out'))
  await until(async () => (await browser.$$(byTest('officer-card'))).length === 2, 'sign-out did not return to the officers')
  const unlockedTags = await browser.$$(`${byTest('officer-card')} .van-tag`).length
  if (unlockedTags !== 0) throw new Error(`${unlockedTags} officers still unlocked after sign-out`)
})
