//! What the changes of an automerge sync message expand to once decompressed, measured before automerge
//! expands them (SEC-4). A document chunk's columns and a compressed change are DEFLATE streams: a few
//! kilobytes can inflate to gigabytes inside `receive_sync_message`, which has no limit of its own. This walks
//! the chunk format (automerge's binary format: magic, checksum, type, length; document and bundle chunks list
//! their columns with a DEFLATE bit) and inflates each stream into nothing, counting, stopping at the limit.
//! Both ends call it on every message they receive.

use automerge::sync::Message;
use std::io::Read;

/// The most bytes one message's changes may expand to: an inspection is kilobytes; a whole terminal's first
/// sync of one large document stays far below this.
pub const MAX_INFLATED_PER_MESSAGE: u64 = 32 * 1024 * 1024;
/// The most bytes all messages of one request may expand to, so one request's decompression work is bounded.
pub const MAX_INFLATED_PER_REQUEST: u64 = 128 * 1024 * 1024;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Bit of a column specification that marks its data as DEFLATE-compressed.
const DEFLATE_BIT: u64 = 0b1000;

/// Why a message's changes are refused before automerge sees them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InflationError {
    #[error("its changes expand to more than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("its changes are not automerge chunks: {0}")]
    Malformed(&'static str),
}

/// The bytes `msg`'s changes occupy once every compressed part is inflated; an error past `limit`.
pub fn inflated_size(msg: &Message, limit: u64) -> Result<u64, InflationError> {
    let mut budget = Budget { used: 0, limit };
    for bytes in msg.changes.iter() {
        let mut input = Reader(bytes);
        while !input.0.is_empty() {
            chunk(&mut input, &mut budget)?;
        }
    }
    Ok(budget.used)
}

struct Budget {
    used: u64,
    limit: u64,
}

impl Budget {
    fn add(&mut self, n: u64) -> Result<(), InflationError> {
        self.used = self
            .used
            .checked_add(n)
            .filter(|u| *u <= self.limit)
            .ok_or(InflationError::TooLarge { limit: self.limit })?;
        Ok(())
    }

    /// Inflates `data` into nothing, counting, never past the limit.
    fn inflate(&mut self, data: &[u8]) -> Result<(), InflationError> {
        let room = self.limit - self.used;
        let mut stream = flate2::read::DeflateDecoder::new(data).take(room.saturating_add(1));
        let n = std::io::copy(&mut stream, &mut std::io::sink())
            .map_err(|_| InflationError::Malformed("a compressed part does not inflate"))?;
        self.add(n)
    }
}

struct Reader<'a>(&'a [u8]);

const SHORT: InflationError = InflationError::Malformed("a chunk ends early");

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64) -> Result<&'a [u8], InflationError> {
        let n = usize::try_from(n).map_err(|_| SHORT)?;
        if n > self.0.len() {
            return Err(SHORT);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn uleb(&mut self) -> Result<u64, InflationError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.take(1)?.first().ok_or(SHORT)?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                break;
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(InflationError::Malformed("a number is longer than 64 bits"))
    }

    /// A count-prefixed list of length-prefixed byte strings (actor ids).
    fn skip_byte_strings(&mut self) -> Result<(), InflationError> {
        for _ in 0..self.uleb()? {
            let len = self.uleb()?;
            self.take(len)?;
        }
        Ok(())
    }

    /// A count-prefixed list of 32-byte change hashes.
    fn skip_hashes(&mut self) -> Result<(), InflationError> {
        let n = self.uleb()?;
        self.take(n.checked_mul(32).ok_or(SHORT)?)?;
        Ok(())
    }

    /// Column metadata: (specification, length) pairs.
    fn columns(&mut self) -> Result<Vec<(u64, u64)>, InflationError> {
        let n = self.uleb()?;
        let mut columns = Vec::new();
        for _ in 0..n {
            columns.push((self.uleb()?, self.uleb()?));
        }
        Ok(columns)
    }

    /// The data of `columns`, inflating the compressed ones.
    fn column_data(&mut self, columns: &[(u64, u64)], budget: &mut Budget) -> Result<(), InflationError> {
        for (spec, len) in columns {
            let data = self.take(*len)?;
            if spec & DEFLATE_BIT != 0 { budget.inflate(data)? } else { budget.add(*len)? }
        }
        Ok(())
    }
}

fn chunk(input: &mut Reader<'_>, budget: &mut Budget) -> Result<(), InflationError> {
    if input.take(4)? != MAGIC {
        return Err(InflationError::Malformed("a chunk does not start with automerge's magic bytes"));
    }
    input.take(4)?; // checksum: automerge checks it
    let kind = *input.take(1)?.first().ok_or(SHORT)?;
    let len = input.uleb()?;
    let mut data = Reader(input.take(len)?);
    budget.add(13)?; // the header, at most
    match kind {
        // Document: actors, heads, change and op column metadata, their data, then head indices.
        0 => {
            data.skip_byte_strings()?;
            data.skip_hashes()?;
            let changes = data.columns()?;
            let ops = data.columns()?;
            data.column_data(&changes, budget)?;
            data.column_data(&ops, budget)?;
            budget.add(data.0.len() as u64)
        }
        // Change: never compressed inside.
        1 => budget.add(len),
        // Compressed change: one DEFLATE stream of a change.
        2 => budget.inflate(data.0),
        // Bundle: dependencies, actors, then change and op columns each followed by their data.
        3 => {
            data.skip_hashes()?;
            data.skip_byte_strings()?;
            let changes = data.columns()?;
            data.column_data(&changes, budget)?;
            let ops = data.columns()?;
            data.column_data(&ops, budget)?;
            budget.add(data.0.len() as u64)
        }
        _ => Err(InflationError::Malformed("unknown chunk type")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::sync::{State, SyncDoc};
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    fn message(doc: &mut AutoCommit) -> Message {
        let mut state = State::new();
        let first = doc.sync().generate_sync_message(&mut state).unwrap();
        let mut peer = AutoCommit::new();
        let mut peer_state = State::new();
        peer.sync().receive_sync_message(&mut peer_state, first).unwrap();
        let reply = peer.sync().generate_sync_message(&mut peer_state).unwrap();
        doc.sync().receive_sync_message(&mut state, reply).unwrap();
        doc.sync().generate_sync_message(&mut state).unwrap()
    }

    #[test]
    fn real_messages_measure_and_a_small_limit_refuses_them() {
        let mut doc = AutoCommit::new();
        for i in 0..200 {
            doc.put(ROOT, format!("key{i}"), "x".repeat(100)).unwrap();
        }
        doc.commit();
        let msg = message(&mut doc);
        let size = inflated_size(&msg, MAX_INFLATED_PER_MESSAGE).unwrap();
        assert!(size >= 20_000, "200 values of 100 bytes measure {size} bytes");
        assert_eq!(inflated_size(&msg, 1_000), Err(InflationError::TooLarge { limit: 1_000 }));
    }

    /// A whole document as one chunk (how a v2 message carries a new document), its long columns deflated:
    /// measured inflated, larger than on the wire.
    #[test]
    fn a_saved_document_chunk_measures_its_deflated_columns_inflated() {
        let mut doc = AutoCommit::new();
        for i in 0..2_000 {
            doc.put(ROOT, format!("k{i}"), "same text, over and over").unwrap();
        }
        let saved = doc.save();
        let msg = Message {
            heads: vec![],
            need: vec![],
            have: vec![],
            changes: automerge::sync::ChunkList::from(saved.clone()),
            flags: None,
            version: automerge::sync::MessageVersion::V2,
        };
        let size = inflated_size(&msg, MAX_INFLATED_PER_MESSAGE).unwrap();
        assert!(size > saved.len() as u64, "{size} bytes inflated from {} saved", saved.len());
        assert!(matches!(inflated_size(&msg, saved.len() as u64), Err(InflationError::TooLarge { .. })));
    }

    #[test]
    fn a_compressed_change_that_inflates_past_the_limit_is_refused() {
        // A 'compressed change' chunk whose DEFLATE stream is 64 MiB of zeros: about 64 KiB on the wire.
        let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut deflate, &vec![0u8; 64 << 20]).unwrap();
        let bomb = deflate.finish().unwrap();
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, 2]);
        let mut len = bomb.len() as u64;
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            chunk.push(if len == 0 { byte } else { byte | 0x80 });
            if len == 0 {
                break;
            }
        }
        chunk.extend(&bomb);
        let msg = Message {
            heads: vec![],
            need: vec![],
            have: vec![],
            changes: automerge::sync::ChunkList::from(chunk),
            flags: None,
            version: automerge::sync::MessageVersion::V2,
        };
        let err = inflated_size(&msg, MAX_INFLATED_PER_MESSAGE).unwrap_err();
        assert_eq!(err, InflationError::TooLarge { limit: MAX_INFLATED_PER_MESSAGE });
        let garbage = Message { changes: automerge::sync::ChunkList::from(vec![1, 2, 3]), ..msg };
        assert!(matches!(inflated_size(&garbage, MAX_INFLATED_PER_MESSAGE), Err(InflationError::Malformed(_))));
    }
}
