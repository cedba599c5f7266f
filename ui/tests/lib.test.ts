import { describe, expect, it } from 'vitest'
import { base64Utf8, formatBytes, formatDuration, shortHash } from '../src/lib/bytes'
import { ageSeconds, formatAge, isSameDay } from '../src/lib/time'
import { checklistLines, missingField, toDraft, type DraftForm } from '../src/lib/draft'
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
