import { describe, expect, it } from 'vitest'
import { formatDateTime, kindLabel, resultLabel, statusLabel, statusTagType } from '../src/lib/format'
import type { Kind } from '../src/api/types/Kind'
import type { Status } from '../src/api/types/Status'
import { translator } from './helpers'

describe('formatDateTime', () => {
  it('formats an RFC 3339 timestamp in the given zone', () => {
    expect(formatDateTime('2025-03-04T01:02:03Z', 'Asia/Shanghai')).toBe('2025-03-04 09:02')
    expect(formatDateTime('2025-03-04T09:02:03+08:00', 'UTC')).toBe('2025-03-04 01:02')
  })

  it('uses 00 for midnight, not 24', () => {
    expect(formatDateTime('2025-12-31T16:00:00Z', 'Asia/Shanghai')).toBe('2026-01-01 00:00')
  })

  it('keeps fractional seconds and offsets working', () => {
    expect(formatDateTime('2024-02-29T23:59:59.999+08:00', 'Asia/Shanghai')).toBe('2024-02-29 23:59')
  })

  it('returns anything that is not a timestamp unchanged', () => {
    expect(formatDateTime('', 'UTC')).toBe('')
    expect(formatDateTime('not a date', 'UTC')).toBe('not a date')
  })
})

describe('labels', () => {
  const kinds: Record<Kind, [string, string]> = {
    inspection: ['行政检查', 'Inspection'],
    penalty: ['行政处罚', 'Penalty'],
    licence: ['行政许可', 'Licence'],
    coercion: ['行政强制', 'Coercion'],
    levy: ['行政征收', 'Levy'],
  }
  const statuses: Record<Status, [string, string]> = {
    draft: ['草稿', 'Draft'],
    in_progress: ['进行中', 'In progress'],
    completed: ['已完成', 'Completed'],
    locked: ['已锁定', 'Locked'],
  }

  it('names every kind in both locales', () => {
    for (const [kind, [zh, en]] of Object.entries(kinds)) {
      expect(kindLabel(translator('zh-CN'), kind)).toBe(zh)
      expect(kindLabel(translator('en'), kind)).toBe(en)
    }
  })

  it('names every status in both locales', () => {
    for (const [status, [zh, en]] of Object.entries(statuses)) {
      expect(statusLabel(translator('zh-CN'), status)).toBe(zh)
      expect(statusLabel(translator('en'), status)).toBe(en)
    }
  })

  it('shows an unknown kind or status as sent', () => {
    expect(kindLabel(translator('zh-CN'), 'surveillance')).toBe('surveillance')
    expect(statusLabel(translator('zh-CN'), 'archived')).toBe('archived')
  })

  it('gives each status a tag colour', () => {
    expect(statusTagType('draft')).toBe('default')
    expect(statusTagType('in_progress')).toBe('primary')
    expect(statusTagType('completed')).toBe('success')
    expect(statusTagType('locked')).toBe('default')
  })

  it('shows a placeholder for an empty result', () => {
    expect(resultLabel(translator('zh-CN'), '  ')).toBe('未填写')
    expect(resultLabel(translator('en'), '')).toBe('not recorded')
    expect(resultLabel(translator('zh-CN'), '未发现违法行为')).toBe('未发现违法行为')
  })
})
