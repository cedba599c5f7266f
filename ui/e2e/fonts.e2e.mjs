// LANG-1: the app reads on a machine with no CJK or Mongolian font, with the fonts it bundles. scripts/app-smoke.sh
// runs the app with a fontconfig that offers DejaVu alone; this spec checks in the real window that it is so (the
// system draws the same box for every hanzi and every Mongolian letter), that the bundled faces are loaded and
// draw 执法检查 as four different glyphs, and that the home screen's region sign draws its Mongolian name, vertical,
// in the bundled Mongolian face. Saves a specimen of both scripts, bundled and system, for a person to look at.
//
// Environment (besides lib.mjs's):
//   E2E_FONTS_SHOT  where the specimen screenshot goes (default: fieldtrail-fonts.png in the temporary directory)
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $, OFFICER_1, browser, byTest, click, enterPin, runSpec, step, until } from './lib.mjs'

const SC = 'FieldTrail Sans SC'
const MONGOLIAN = 'FieldTrail Sans Mongolian'
/** Only DejaVu is offered by the test's fontconfig: whatever it draws for CJK is the system's fallback. */
const SYSTEM = 'DejaVu Sans'
const HANZI = '执法检查'
const MONGOL = 'ᠮᠣᠩᠭᠣᠯ'
const specimenFile = process.env.E2E_FONTS_SHOT ?? join(tmpdir(), 'fieldtrail-fonts.png')

/** The bundled faces as the page's FontFaceSet lists them, once every face in use has finished loading. */
async function bundledFaces() {
  return browser.executeAsync((families, done) => {
    document.fonts.ready.then(() =>
      done(
        [...document.fonts]
          .filter((face) => families.includes(face.family.replaceAll('"', '')))
          .map((face) => ({ family: face.family.replaceAll('"', ''), weight: face.weight, status: face.status })),
      ),
    )
  }, [SC, MONGOLIAN])
}

/**
 * Draws each of `texts` alone on a canvas in `font` and returns, for each, a fingerprint of its pixels ('' when
 * nothing was drawn). A font without the glyphs draws the same fallback box (or nothing) for every character.
 */
async function glyphPrints(font, texts) {
  return browser.execute(
    (cssFont, list) => {
      const canvas = document.createElement('canvas')
      canvas.width = 160
      canvas.height = 160
      const ctx = canvas.getContext('2d', { willReadFrequently: true })
      return list.map((text) => {
        ctx.clearRect(0, 0, canvas.width, canvas.height)
        ctx.font = cssFont
        ctx.textBaseline = 'top'
        ctx.fillStyle = '#000'
        ctx.fillText(text, 8, 8)
        const alpha = ctx.getImageData(0, 0, canvas.width, canvas.height).data
        let hash = 2166136261
        let inked = 0
        for (let i = 3; i < alpha.length; i += 4) {
          if (alpha[i] > 0) inked++
          hash = Math.imul(hash ^ alpha[i], 16777619) >>> 0
        }
        return inked === 0 ? '' : `${hash.toString(16)}:${inked}`
      })
    },
    font,
    texts,
  )
}

function distinct(prints) {
  return prints.every((p) => p !== '') && new Set(prints).size === prints.length
}

function allSame(prints) {
  return new Set(prints).size === 1
}

await runSpec('fonts', async () => {
  await until(async () => (await browser.$$(byTest('officer-card'))).length > 0, 'no officer card: the app did not load')

  step('the system offers no CJK or Mongolian font (the test fontconfig holds)')
  const systemHanzi = await glyphPrints(`32px "${SYSTEM}"`, [...HANZI])
  const systemMongolian = await glyphPrints(`32px "${SYSTEM}"`, ['ᠮ', 'ᠣ', 'ᠩ', 'ᠭ', 'ᠯ'])
  if (!allSame(systemHanzi) || !allSame(systemMongolian)) {
    throw new Error(
      `the system draws hanzi or Mongolian letters as distinct glyphs (${systemHanzi} / ${systemMongolian}): ` +
        'this run has a system CJK or Mongolian font, so it does not show what a bare machine shows',
    )
  }

  step('the bundled Chinese faces are loaded and draw every character of 执法检查')
  await until(async () => {
    const faces = await bundledFaces()
    return faces.filter((f) => f.family === SC && f.status === 'loaded').length === 2
  }, `the regular and bold ${SC} faces did not both load: ${JSON.stringify(await bundledFaces())}`)
  for (const weight of ['', 'bold ']) {
    const ready = await browser.execute((font, text) => document.fonts.check(font, text), `${weight}16px "${SC}"`, HANZI)
    if (ready !== true) throw new Error(`document.fonts.check('${weight}16px "${SC}"', '${HANZI}') is ${ready}`)
    const prints = await glyphPrints(`${weight}32px "${SC}"`, [...HANZI])
    if (!distinct(prints)) throw new Error(`${weight || 'regular '}${SC} draws ${HANZI} as ${prints}: empty or boxes`)
    if (prints.some((p) => systemHanzi.includes(p))) throw new Error(`${SC} draws the system's fallback for ${HANZI}`)
  }
  const pageFont = await browser.execute(() => getComputedStyle(document.body).fontFamily)
  if (!pageFont.replaceAll('"', '').startsWith(SC)) throw new Error(`the page's font is ${pageFont}, not ${SC} first`)

  step('unlock: the home screen shows the region sign in Mongolian script')
  await click(`${byTest('officer-card')}[data-number="${OFFICER_1.number}"]`)
  await enterPin(OFFICER_1.pin)
  const sign = await $(byTest('region-mongolian'))
  await sign.waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the home screen shows no region in Mongolian script' })
  const label = await browser.execute((selector) => {
    const el = document.querySelector(selector)
    const style = getComputedStyle(el)
    const rect = el.getBoundingClientRect()
    return {
      text: el.textContent.trim(),
      writingMode: style.writingMode,
      font: `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`,
      width: rect.width,
      height: rect.height,
    }
  }, byTest('region-mongolian'))
  console.log(`  region sign: ${label.text} (${label.writingMode}, ${Math.round(label.width)}×${Math.round(label.height)})`)
  // The officers are enrolled for region 1508, 巴彦淖尔市 (scripts/app-smoke.sh).
  if (label.text !== 'ᠪᠠᠶᠠᠨᠨᠠᠭᠤᠷ ᠬᠣᠲᠠ') throw new Error(`the region sign reads "${label.text}"`)
  if (label.writingMode !== 'vertical-lr' || !(label.height > label.width * 2)) {
    throw new Error(`the Mongolian name is not vertical: ${JSON.stringify(label)}`)
  }

  step('the bundled Mongolian face is loaded and the sign is drawn with it')
  await until(
    async () => (await bundledFaces()).some((f) => f.family === MONGOLIAN && f.status === 'loaded'),
    `${MONGOLIAN} did not load: ${JSON.stringify(await bundledFaces())}`,
  )
  const mongolianReady = await browser.execute((font, text) => document.fonts.check(font, text), `16px "${MONGOLIAN}"`, MONGOL)
  if (mongolianReady !== true) throw new Error(`document.fonts.check('16px "${MONGOLIAN}"', '${MONGOL}') is ${mongolianReady}`)
  const letters = await glyphPrints(`32px "${MONGOLIAN}"`, ['ᠮ', 'ᠣ', 'ᠩ', 'ᠭ', 'ᠯ'])
  if (!distinct(letters)) throw new Error(`${MONGOLIAN} draws Mongolian letters as ${letters}: empty or boxes`)
  // The sign's own font stack draws its text exactly as the bundled face alone does.
  const [asSign, asBundled, asSystem] = [
    ...(await glyphPrints(label.font, [label.text])),
    ...(await glyphPrints(`${label.font.split(' ').slice(0, 2).join(' ')} "${MONGOLIAN}"`, [label.text])),
    ...(await glyphPrints(`${label.font.split(' ').slice(0, 2).join(' ')} "${SYSTEM}"`, [label.text])),
  ]
  if (asSign === '' || asSign !== asBundled) throw new Error(`the region sign is not drawn with ${MONGOLIAN}`)
  if (asSign === asSystem) throw new Error('the region sign is drawn as the system draws Mongolian')

  step(`a specimen of both scripts, bundled and system: ${specimenFile}`)
  // Added to the page for the screenshot only: each script in the bundled face and in the system's own font.
  await browser.execute(
    (sc, mongolian, system, hanzi, mongol) => {
      const box = document.createElement('div')
      box.id = 'font-specimen'
      box.style.cssText =
        'position:fixed;inset:80px 40px auto 40px;z-index:9999;background:#fff;border:2px solid #1d3557;' +
        'padding:24px;font-size:40px;line-height:1.7;color:#111'
      const rows = [
        [`${sc} 400`, `font-family:"${sc}";font-weight:400`, `${hanzi} 巴彦淖尔市市场监督管理局`],
        [`${sc} 700`, `font-family:"${sc}";font-weight:700`, `${hanzi} 责令改正，。！`],
        [`${mongolian}`, `font-family:"${mongolian}"`, `${mongol} ᠪᠠᠶᠠᠨᠨᠠᠭᠤᠷ ᠬᠣᠲᠠ`],
        [`${system} (system)`, `font-family:"${system}"`, `${hanzi} ${mongol}`],
      ]
      for (const [name, style, text] of rows) {
        const row = document.createElement('div')
        const caption = document.createElement('div')
        caption.style.cssText = `font:16px "${system}";color:#555`
        caption.textContent = name
        const sample = document.createElement('div')
        sample.style.cssText = style
        sample.textContent = text
        row.append(caption, sample)
        box.append(row)
      }
      const vertical = document.createElement('div')
      vertical.style.cssText = `position:absolute;right:32px;top:24px;writing-mode:vertical-lr;font-family:"${mongolian}"`
      vertical.textContent = mongol
      box.append(vertical)
      document.body.append(box)
    },
    SC,
    MONGOLIAN,
    SYSTEM,
    HANZI,
    MONGOL,
  )
  await browser.pause(500)
  await browser.saveScreenshot(specimenFile)
  console.log(`  saved ${specimenFile}`)
  await browser.execute(() => document.getElementById('font-specimen')?.remove())
})
