import { describe, expect, it } from 'vitest'
import { positionLabel } from '../src/lib/position'
import type { AbsenceReason } from '../src/api/types/AbsenceReason'
import type { Position } from '../src/api/types/Position'
import { translator } from './helpers'

const fix: Position = {
  state: 'fix',
  latitude: 40.7574,
  longitude: 107.394,
  accuracy_m: 12.4,
  at: '2026-11-20T01:29:58.000Z',
  source: 'fixed',
}

// REC-1, REC-2: what the officer reads for a recorded position, in both languages.
describe('positionLabel', () => {
  it('shows a fix with accuracy, time and source', () => {
    expect(positionLabel(translator('zh-CN'), fix, 'Asia/Shanghai')).toBe(
      '40.757400, 107.394000（精度 ±12 米，2026-11-20 09:29，固定位置（测试用，非实测））',
    )
    expect(positionLabel(translator('en'), { ...fix, source: 'device' }, 'UTC')).toBe(
      '40.757400, 107.394000 (±12 m, 2026-11-20 01:29, device location)',
    )
  })

  it('shows every absence by its reason, never as a place', () => {
    const reasons: Record<AbsenceReason, [string, string]> = {
      no_fix: ['无位置：规定时间内未获得定位', 'No position: no fix within the time limit'],
      permission_refused: ['无位置：定位权限被拒绝', 'No position: location permission refused'],
      no_source: ['无位置：本设备没有定位来源', 'No position: this device has no position source'],
    }
    for (const [reason, [zh, en]] of Object.entries(reasons) as [AbsenceReason, [string, string]][]) {
      expect(positionLabel(translator('zh-CN'), { state: 'absent', reason })).toBe(zh)
      expect(positionLabel(translator('en'), { state: 'absent', reason })).toBe(en)
    }
  })

  it('says when a record is from before positions', () => {
    expect(positionLabel(translator('zh-CN'), null)).toBe('未记录（早于位置记录功能）')
  })
})
