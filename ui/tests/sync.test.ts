import { describe, expect, it } from 'vitest'
import { DOCUMENTS, finished, percent, progressed, runSync, type SyncStep } from '../src/lib/sync'
import { translator } from './helpers'

const i18n = translator('zh-CN')

describe('runSync', () => {
  it('moves the documents bar with each round the sync reports, and ends it done', async () => {
    const updates: SyncStep[][] = []
    const final = await runSync(
      {
        syncDocuments: async (report) => {
          report(200, 500)
          report(400, 500)
          report(500, 500)
        },
        pendingUploads: async () => [],
        uploadEvidence: async () => ({ resumed_from: 0 }),
      },
      i18n,
      (list) => updates.push(list),
    )
    const bars = updates.map((list) => list.find((s) => s.id === DOCUMENTS)).map((s) => (s ? percent(s) : -1))
    expect(bars).toEqual(expect.arrayContaining([40, 80]))
    expect(final[0]?.phase).toBe('done')
    expect(final[0] ? percent(final[0]) : 0).toBe(100)
    expect(final[0]?.sent).toBe(500)
  })


  it('syncs documents, then uploads each pending file in turn', async () => {
    const seen: string[] = []
    const updates: SyncStep[][] = []
    const final = await runSync(
      {
        syncDocuments: async () => seen.push('docs'),
        pendingUploads: async () => [
          { sha256: 'a', size: 10 },
          { sha256: 'b', size: 20 },
        ],
        uploadEvidence: async (sha256) => {
          seen.push(sha256)
          return { resumed_from: sha256 === 'b' ? 5 : 0 }
        },
      },
      i18n,
      (list) => updates.push(list),
    )
    expect(seen).toEqual(['docs', 'a', 'b'])
    expect(final.map((s) => [s.id, s.phase])).toEqual([
      [DOCUMENTS, 'done'],
      ['a', 'done'],
      ['b', 'resumed'],
    ])
    expect(final[2]?.resumedFrom).toBe(5)
    // Every file is shown waiting before the first starts.
    expect(updates.some((list) => list.length === 3 && list.every((s) => s.id === DOCUMENTS || s.phase === 'waiting'))).toBe(true)
  })

  it('stops after the documents when the server is unreachable, with the sentence', async () => {
    const final = await runSync(
      {
        syncDocuments: () => Promise.reject({ code: 'server_unreachable', message: 'refused' }),
        pendingUploads: async () => {
          throw new Error('must not be called')
        },
        uploadEvidence: async () => ({ resumed_from: 0 }),
      },
      i18n,
      () => {},
    )
    expect(final).toHaveLength(1)
    expect(final[0]?.phase).toBe('failed')
    expect(final[0]?.reason).toBe('无法连接同步服务器，请检查网络后重试。')
  })

  it('keeps going after one upload fails', async () => {
    const final = await runSync(
      {
        syncDocuments: async () => ({}),
        pendingUploads: async () => [
          { sha256: 'a', size: 1 },
          { sha256: 'b', size: 1 },
        ],
        uploadEvidence: async (sha256) =>
          sha256 === 'a' ? Promise.reject({ code: 'upload_hash_mismatch', message: 'x' }) : { resumed_from: 0 },
      },
      i18n,
      () => {},
    )
    expect(final.map((s) => s.phase)).toEqual(['done', 'failed', 'done'])
    expect(final[1]?.reason).toContain('服务器拒收')
  })
})

describe('progress', () => {
  const step = (phase: SyncStep['phase'], sent = 0, total = 100): SyncStep => ({ id: 'a', phase, sent, total, resumedFrom: 0, reason: '' })

  it('moves a file to sending with its bytes', () => {
    const [s] = progressed([step('waiting')], 'a', 40, 100)
    expect(s).toMatchObject({ phase: 'sending', sent: 40 })
    expect(percent(s as SyncStep)).toBe(40)
  })

  it('leaves finished and other files alone', () => {
    expect(progressed([step('done', 100)], 'a', 1, 100)[0]?.phase).toBe('done')
    expect(progressed([step('waiting')], 'b', 1, 100)[0]?.phase).toBe('waiting')
  })

  it('counts done as full and an empty total as zero', () => {
    expect(percent(step('done', 0, 0))).toBe(100)
    expect(percent(step('sending', 0, 0))).toBe(0)
    expect(finished(step('failed'))).toBe(true)
    expect(finished(step('sending'))).toBe(false)
  })
})
