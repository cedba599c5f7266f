import { describe, expect, it } from 'vitest'
import { base64Utf8, formatBytes, formatDuration, shortHash } from '../src/lib/bytes'
import { ageSeconds, formatAge, isSameDay } from '../src/lib/time'
import { basisText, checklistLines, fillFromItem, missingField, toDraft, type DraftForm } from '../src/lib/draft'
import type { CatalogueItem } from '../src/api/types/CatalogueItem'
import { createNav } from '../src/lib/nav'
import { canCapture, captureName, constraints } from '../src/lib/media'
import { translator } from './helpers'

describe('bytes', () => {
  it('formats sizes and durations', () => {
    expect(formatBytes(812)).toBe('812 B')
    expect(formatBytes(4300)).toBe('4.2 KB')
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MB')
    expect(formatDuration(65_400)).toBe('1:05')
    expect(formatDuration(3_725_000)).toBe('1:02:05')
    expect(shortHash('0123456789abcdef0123456789abcdef')).toBe('01234567…89abcdef')
  })

  it('encodes a Chinese file name as ASCII base64 of UTF-8', () => {
    expect(base64Utf8('照片')).toBe('54Wn54mH')
  })
})

describe('time', () => {
  it('tells today from other days in local time', () => {
    const now = new Date(2026, 10, 21, 15, 0)
    expect(isSameDay(new Date(2026, 10, 21, 0, 5).toISOString(), now)).toBe(true)
    expect(isSameDay(new Date(2026, 10, 20, 23, 55).toISOString(), now)).toBe(false)
    expect(isSameDay('not a date', now)).toBe(false)
  })

  it('says ages in the locale', () => {
    const zh = translator('zh-CN')
    expect(formatAge(zh, 30)).toBe('刚刚')
    expect(formatAge(zh, 300)).toBe('5 分钟前')
    expect(formatAge(zh, 7200)).toBe('2 小时前')
    expect(formatAge(zh, 3 * 86_400)).toBe('3 天前')
    expect(formatAge(translator('en'), 300)).toBe('5 min ago')
    expect(ageSeconds(new Date(2000), new Date(1000))).toBe(0)
  })
})

describe('draft', () => {
  const form: DraftForm = {
    kind: 'inspection',
    itemName: ' 食品生产经营日常监督检查 ',
    itemCode: '330217A01000',
    agency: '巴彦淖尔市市场监督管理局',
    category: '食品安全',
    region: '150802',
    basisLaw: '中华人民共和国食品安全法',
    basisArticle: '第八十七条',
    basisClause: '',
    basisItem: '',
    extraBasis: [],
    partyName: '临河区某超市',
    creditCode: '',
    partyAddress: '',
    partyPhone: '',
    address: '临河区新华街',
    checklist: '证照是否齐全\n\n  冷藏温度是否达标 \n',
    officers: [{ certificate_number: '15080001', name: '张三' }],
  }

  it('makes the draft the command takes', () => {
    const draft = toDraft(form)
    expect(draft.item_name).toBe('食品生产经营日常监督检查')
    expect(draft.checklist).toEqual(['证照是否齐全', '冷藏温度是否达标'])
    expect(draft.legal_basis).toEqual([{ law: '中华人民共和国食品安全法', article: '第八十七条', clause: '', item: '' }])
    expect(toDraft({ ...form, basisLaw: ' ' }).legal_basis).toEqual([])
    expect(draft.location).toEqual({ latitude: null, longitude: null, address: '临河区新华街' })
  })

  it('names the first blank required field', () => {
    expect(missingField(form)).toBeNull()
    expect(missingField({ ...form, partyName: ' ' })).toBe('partyName')
    expect(checklistLines('')).toEqual([])
  })

  // REC-8: picking a catalogue item fills the item, kind, category, legal basis and checklist; the rest stays.
  const item: CatalogueItem = {
    code: 'YJGL-JC-001',
    name: '非煤矿山安全生产监督检查',
    kind: 'inspection',
    category: '应急管理',
    agency_type: '应急管理部门',
    legal_basis: [
      { law: '中华人民共和国安全生产法', article: '第六十五条', clause: '第一款', item: '' },
      { law: '安全生产许可证条例', article: '第二条', clause: '第一款', item: '' },
    ],
    checklist: ['安全生产许可证是否在有效期内', '特种作业人员是否持证上岗'],
  }

  it('fills the form from a catalogue item, keeping party, place and officers', () => {
    const filled = fillFromItem({ ...form, kind: 'penalty' }, item)
    expect(filled.itemName).toBe('非煤矿山安全生产监督检查')
    expect(filled.itemCode).toBe('YJGL-JC-001')
    expect(filled.kind).toBe('inspection')
    expect(filled.category).toBe('应急管理')
    expect([filled.basisLaw, filled.basisArticle, filled.basisClause]).toEqual(['中华人民共和国安全生产法', '第六十五条', '第一款'])
    expect(filled.extraBasis).toEqual([item.legal_basis[1]])
    expect(filled.checklist).toBe('安全生产许可证是否在有效期内\n特种作业人员是否持证上岗')
    expect([filled.partyName, filled.address, filled.region, filled.agency]).toEqual([
      form.partyName,
      form.address,
      form.region,
      form.agency,
    ])
    expect(filled.officers).toBe(form.officers)

    const draft = toDraft(filled)
    expect(draft.legal_basis).toEqual(item.legal_basis)
    expect(draft.checklist).toEqual(item.checklist)
    expect(draft.category).toBe('应急管理')
  })

  it('keeps the filled fields editable and the catalogue item untouched', () => {
    const filled = fillFromItem(form, item)
    filled.extraBasis[0]!.article = '第三条'
    expect(item.legal_basis[1]!.article).toBe('第二条')
    const edited = { ...filled, basisArticle: '第六十五条', basisClause: '第一款', basisItem: '第（三）项', checklist: '另加一项' }
    expect(toDraft(edited).legal_basis[0]).toEqual({
      law: '中华人民共和国安全生产法',
      article: '第六十五条',
      clause: '第一款',
      item: '第（三）项',
    })
    expect(toDraft(edited).checklist).toEqual(['另加一项'])
    expect(toDraft({ ...filled, basisLaw: '' }).legal_basis).toHaveLength(1)
    expect(fillFromItem(form, { ...item, legal_basis: [], checklist: [] }).basisLaw).toBe('')
  })

  it('writes a legal basis as one line', () => {
    expect(basisText(item.legal_basis[0]!)).toBe('中华人民共和国安全生产法 第六十五条 第一款')
  })
})

describe('nav', () => {
  it('pushes, replaces, goes back but never past the root', () => {
    const nav = createNav({ name: 'officers' })
    nav.push({ name: 'home' })
    nav.push({ name: 'new-inspection' })
    nav.replace({ name: 'inspection', id: 'i1' })
    expect(nav.current.value).toEqual({ name: 'inspection', id: 'i1' })
    nav.back()
    expect(nav.current.value).toEqual({ name: 'home' })
    nav.back()
    nav.back()
    expect(nav.current.value).toEqual({ name: 'officers' })
    expect(nav.canGoBack.value).toBe(false)
    nav.push({ name: 'sync' })
    nav.reset({ name: 'home' })
    expect(nav.stack.value).toEqual([{ name: 'home' }])
  })
})

describe('media', () => {
  it('knows when the webview cannot capture', () => {
    expect(canCapture(undefined)).toBe(false)
    expect(canCapture({})).toBe(false)
    expect(canCapture({ mediaDevices: { getUserMedia: () => null } })).toBe(true)
    expect(constraints('audio')).toEqual({ audio: true, video: false })
    expect(captureName('audio', 'audio/webm;codecs=opus', new Date(2026, 0, 2, 3, 4, 5))).toBe('audio-20260102-030405.webm')
    expect(captureName('photo', 'image/jpeg', new Date(2026, 0, 2, 3, 4, 5))).toBe('photo-20260102-030405.jpg')
  })
})
