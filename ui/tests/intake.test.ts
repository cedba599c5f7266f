import { describe, expect, it } from 'vitest'
import { PIECE, inPieces, intakePercent, sendInPieces, type IntakeProgress } from '../src/lib/intake'

/** A recorder of what the app receives: the pieces, in order, joined back into one file. */
function app(failAt = -1) {
  const pieces: Uint8Array[] = []
  const calls: string[] = []
  return {
    pieces,
    calls,
    steps: {
      begin: async () => {
        calls.push('begin')
        return 'in-1'
      },
      append: async (id: string, piece: Uint8Array) => {
        if (pieces.length === failAt) throw { code: 'evidence_io', message: 'disk full' }
        calls.push(`append ${id} ${piece.length}`)
        pieces.push(piece)
      },
      finish: async (id: string, onStored: (done: number, total: number) => void) => {
        calls.push(`finish ${id}`)
        const size = pieces.reduce((n, p) => n + p.length, 0)
        onStored(size / 2, size)
        onStored(size, size)
        return { size }
      },
      discard: async (id: string) => {
        calls.push(`discard ${id}`)
      },
    },
  }
}

describe('sendInPieces', () => {
  it('sends a large file in pieces that join back to the same bytes, then has it stored', async () => {
    const bytes = new Uint8Array(2 * PIECE + 123)
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 7) % 251
    const target = app()
    const reports: IntakeProgress[] = []
    const result = await sendInPieces(new Blob([bytes]), target.steps, (p) => reports.push(p))
    expect(result).toEqual({ size: bytes.length })
    expect(target.calls).toEqual(['begin', `append in-1 ${PIECE}`, `append in-1 ${PIECE}`, 'append in-1 123', 'finish in-1'])
    const joined = new Uint8Array(bytes.length)
    let at = 0
    for (const p of target.pieces) {
      joined.set(p, at)
      at += p.length
    }
    expect(joined.findIndex((b, i) => b !== bytes[i])).toBe(-1)
    // Sending rises to the whole file, then storing rises from 0 to the whole file.
    expect(reports.map((r) => [r.phase, intakePercent(r)])).toEqual([
      ['sending', 50],
      ['sending', 100],
      ['sending', 100],
      ['storing', 0],
      ['storing', 50],
      ['storing', 100],
    ])
  })

  it('a failed piece discards what the app received and rejects with the error as it came', async () => {
    const target = app(1)
    const bytes = new Uint8Array(PIECE * 3)
    await expect(sendInPieces(new Blob([bytes]), target.steps, () => undefined)).rejects.toEqual({
      code: 'evidence_io',
      message: 'disk full',
    })
    expect(target.calls).toEqual(['begin', `append in-1 ${PIECE}`, 'discard in-1'])
  })

  it('only files larger than a piece go in pieces; a zero total is 0 %', () => {
    expect(inPieces(PIECE)).toBe(false)
    expect(inPieces(PIECE + 1)).toBe(true)
    expect(intakePercent({ phase: 'sending', done: 0, total: 0 })).toBe(0)
  })
})
