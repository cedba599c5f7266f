import { describe, expect, it } from 'vitest'
import { translator } from './helpers'
import { changedEdits, conflictFieldLabel, conflictOn, writerLabel, writtenLine } from '../src/lib/conflicts'
import type { Conflict } from '../src/api/types/Conflict'
import type { ConflictValue } from '../src/api/types/ConflictValue'
import type { Inspection } from '../src/api/types/Inspection'

const OWN = '0b6f6a52-6b5e-4f7e-9a5b-1c2d3e4f5a6b'
const OTHER = '7d1e9c40-2f3a-4b5c-8d6e-7f8091a2b3c4'

function value(device: string, officer: ConflictValue['officer'] = null): ConflictValue {
  return { value: '合格', change: 'ab'.repeat(32), device, device_time: '2026-11-20T10:02:00+00:00', officer }
}

describe('a save writes only what the officer changed (SYNC-2)', () => {
  const loaded = { findings: '冷柜温度 9℃', result: '责令改正' }

  it('sends the findings alone when only the findings changed, so a result conflict stays', () => {
    expect(changedEdits(loaded, { ...loaded, findings: '冷柜温度 9℃，超标' })).toEqual([
      { type: 'findings', text: '冷柜温度 9℃，超标' },
    ])
  })

  it('sends nothing when nothing changed, and the result when it changed', () => {
    expect(changedEdits(loaded, { ...loaded })).toEqual([])
    expect(changedEdits(loaded, { ...loaded, result: '合格' })).toEqual([{ type: 'result', text: '合格' }])
  })
})

describe('who wrote a conflicting value', () => {
  it('names this tablet, another device, or the officer whose signature verified', () => {
    const zh = translator('zh-CN')
    expect(writerLabel(zh, value(OWN), OWN)).toBe('本机')
    expect(writerLabel(zh, value(OTHER), OWN)).toBe('设备 7d1e9c40…')
    const signed = value(OTHER, { certificate_number: '15080002', name: '李四' })
    expect(writerLabel(zh, signed, OWN)).toBe('李四（15080002），设备 7d1e9c40…')
    expect(writtenLine(zh, value(OWN), OWN)).toMatch(/^本机 于 2026-11-20 \d\d:02 填写$/)
  })

  it('reads in English too', () => {
    const en = translator('en')
    expect(writerLabel(en, value(OWN), OWN)).toBe('this tablet')
    expect(writtenLine(en, value(OTHER), OWN)).toMatch(/^written by device 7d1e9c40… at 2026-11-20/)
  })
})

describe('the conflicting field as the officer knows it', () => {
  const inspection = { checklist: [{ id: '5@aa', label: '证照是否齐全', result: 'pass', note: '' }] } as unknown as Inspection
  const conflicts: Conflict[] = [{ field: 'result', values: [value(OWN), value(OTHER)] }]

  it('labels the result, a checklist item and a party field', () => {
    const zh = translator('zh-CN')
    expect(conflictFieldLabel(zh, inspection, 'result')).toBe('处理结果')
    expect(conflictFieldLabel(zh, inspection, 'checklist[5@aa].result')).toBe('检查项“证照是否齐全”的结果')
    expect(conflictFieldLabel(zh, inspection, 'party.phone')).toBe('联系电话')
    expect(conflictFieldLabel(zh, inspection, 'party.unknown')).toBe('party.unknown')
  })

  it('finds the conflict on a field, and none on another', () => {
    expect(conflictOn(conflicts, 'result')?.values).toHaveLength(2)
    expect(conflictOn(conflicts, 'findings')).toBeUndefined()
  })
})
