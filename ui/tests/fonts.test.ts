/**
 * LANG-1: the fonts the app bundles (scripts/fonts.sh) hold a glyph for every character the app writes, so no
 * screen shows an empty box on a tablet without CJK or Mongolian fonts. Reads the committed woff2 files with
 * fontkit, as the webview would.
 */
import { describe, expect, it } from 'vitest'
import { openSync, type Font } from 'fontkit'
import zhCN from '../src/locales/zh-CN'
import en from '../src/locales/en'
import catalogue from '../../scripts/demo/catalogue.json'
import { regionName } from '../src/lib/regions'

const opened = new Map<string, Font>()

function font(file: string): Font {
  const known = opened.get(file)
  if (known) return known
  const face = openSync(new URL(`../src/assets/fonts/${file}`, import.meta.url).pathname)
  if (!('hasGlyphForCodePoint' in face)) throw new Error(`${file} is a collection, not one face`)
  opened.set(file, face)
  return face
}

/** The characters of `text` the face has no glyph for, deduplicated (white space needs none). */
function missing(face: Font, text: string): string[] {
  return [...new Set(text)].filter((c) => !/\s/.test(c) && !face.hasGlyphForCodePoint(c.codePointAt(0) ?? 0))
}

function strings(tree: unknown): string[] {
  if (typeof tree === 'string') return [tree]
  if (typeof tree === 'object' && tree !== null) return Object.values(tree).flatMap(strings)
  return []
}

/** GB 2312's 6,763 hanzi: every two-byte code of rows 16–87 that decodes to a CJK unified ideograph. */
function gb2312Hanzi(): string {
  const decoder = new TextDecoder('gb2312', { fatal: false })
  let text = ''
  for (let row = 0xb0; row <= 0xf7; row++) {
    for (let cell = 0xa1; cell <= 0xfe; cell++) {
      const c = decoder.decode(new Uint8Array([row, cell]))
      if (/^[\u4e00-\u9fff]$/.test(c)) text += c
    }
  }
  return text
}

const MONGOLIAN = /[\u1800-\u18af]/u
const faces = ['noto-sans-sc-regular.woff2', 'noto-sans-sc-bold.woff2'] as const

describe('bundled CJK faces (LANG-1)', () => {
  const hanzi = gb2312Hanzi()

  it('reads GB 2312 as 6,763 hanzi', () => {
    expect(hanzi.length).toBe(6763)
  })

  for (const file of faces) {
    it(`${file} draws all of GB 2312's hanzi`, () => {
      expect(missing(font(file), hanzi)).toEqual([])
    })

    it(`${file} draws every ui message, Chinese and English, and the demo catalogue`, () => {
      const text = [...strings(zhCN), ...strings(en), ...strings(catalogue)].join('')
      expect(text.length).toBeGreaterThan(1000)
      expect(missing(font(file), text)).toEqual([])
    })

    it(`${file} draws ASCII, CJK punctuation and full-width forms`, () => {
      const ascii = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)).join('')
      expect(missing(font(file), `${ascii}，。、；：？！“”‘’（）《》【】—…·ＡＢ１２％＋`)).toEqual([])
    })
  }

  it('reports a character outside the subset (the check can fail)', () => {
    // 𠀀 (U+20000, CJK Extension B) is in no set scripts/fonts.sh keeps, nor is Mongolian (its own face).
    expect(missing(font('noto-sans-sc-regular.woff2'), '执法𠀀ᠮ')).toEqual(['𠀀', 'ᠮ'])
  })
})

describe('bundled Mongolian face (LANG-1)', () => {
  const face = font('noto-sans-mongolian-regular.woff2')

  it('draws every letter of the Mongolian block and the region names', () => {
    const letters = Array.from({ length: 0x1842 - 0x1820 + 1 }, (_, i) => String.fromCharCode(0x1820 + i)).join('')
    const names = ['15', '1501', '1502', '1503', '1504', '1505', '1506', '1507', '1508', '1509', '1522', '1525', '1529']
      .map((code) => regionName(code)?.mongolian ?? '')
      .join('')
    expect(names).toMatch(MONGOLIAN)
    expect(missing(face, letters + names)).toEqual([])
  })

  it('shapes Mongolian: a letter takes another glyph inside a word than alone', () => {
    // ᠮ alone (isolated form) and at the start of ᠮᠣᠩᠭᠣᠯ (initial form) must be different glyphs.
    const alone = face.layout('ᠮ').glyphs[0]?.id
    const initial = face.layout('ᠮᠣᠩᠭᠣᠯ').glyphs[0]?.id
    expect(alone).toBeDefined()
    expect(initial).toBeDefined()
    expect(initial).not.toBe(alone)
  })
})

describe('regionName', () => {
  it('names a county by its city, and a code of the region itself', () => {
    expect(regionName('150802')).toMatchObject({ code: '1508', zh: '巴彦淖尔市' })
    expect(regionName('1508')?.mongolian).toBe('ᠪᠠᠶᠠᠨᠨᠠᠭᠤᠷ ᠬᠣᠲᠠ')
    expect(regionName('1599')).toMatchObject({ code: '15', zh: '内蒙古自治区' })
  })

  it('names nothing outside Inner Mongolia or for a code that is not one', () => {
    for (const code of ['11', '110101', '', '15x8', '1', '1508020000000000']) expect(regionName(code)).toBeNull()
  })
})
