//! Reading an automerge sync message that arrived from another device (SEC-8): automerge's decoder accepts
//! Bloom filters that its sync code then cannot use: one that claims entries but holds no bits makes the next
//! reply divide by zero (a panic, found by fuzzing: tests/fuzz-crashers/automerge_sync/), and one that asks for
//! billions of probes makes it loop and allocate for as long. Both ends decode through [`decode`], which
//! refuses such a message before automerge uses it.

use automerge::sync::Message;

/// Most probes a Bloom filter may ask for per hash: automerge writes 7 (a 1 % false-positive rate); 64 would be
/// a rate no sender wants, and keeps the cost of checking a hash small.
pub const MAX_BLOOM_PROBES: u64 = 64;

/// Why a sync message is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a usable automerge sync message: {0}")]
pub struct MessageError(pub String);

/// Decodes a sync message and checks what automerge would otherwise trust: every Bloom filter it carries.
pub fn decode(bytes: &[u8]) -> Result<Message, MessageError> {
    let message = Message::decode(bytes).map_err(|e| MessageError(e.to_string()))?;
    for have in &message.have {
        check_bloom(&have.bloom.to_bytes())?;
    }
    Ok(message)
}

/// A filter as automerge encodes it: empty (no entries), or its entry count, bits per entry and probe count
/// (LEB128) followed by the bits.
fn check_bloom(encoded: &[u8]) -> Result<(), MessageError> {
    if encoded.is_empty() {
        return Ok(());
    }
    let bad = |what: &str| MessageError(format!("its Bloom filter {what}"));
    let mut rest = encoded;
    let mut field = || leb128::read::unsigned(&mut rest).map_err(|_| bad("is cut short"));
    let (_entries, _bits_per_entry, probes) = (field()?, field()?, field()?);
    if probes > MAX_BLOOM_PROBES {
        return Err(bad(&format!("asks for {probes} probes per hash, more than {MAX_BLOOM_PROBES}")));
    }
    if rest.is_empty() {
        return Err(bad("claims entries but holds no bits"));
    }
    if rest.len() > (u32::MAX / 8) as usize {
        return Err(bad("is larger than 512 MiB"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::sync::{BloomFilter, Have};

    fn message_with_bloom(encoded: &[u8]) -> Vec<u8> {
        // A v1 message: type 0x42, heads, need, one have (last_sync, bloom), no changes.
        let mut out = vec![0x42, 0, 0, 1, 0];
        out.push(encoded.len() as u8);
        out.extend_from_slice(encoded);
        out.push(0);
        out
    }

    /// SEC-8: a filter claiming entries with no bits (the fuzz crasher's shape) and one asking for billions of
    /// probes are refused; real filters pass.
    #[test]
    fn sec_8_unusable_bloom_filters_are_refused() {
        let real = BloomFilter::from_hashes([automerge::ChangeHash([7; 32])].iter());
        let ok = Message {
            heads: vec![],
            need: vec![],
            have: vec![Have { last_sync: vec![], bloom: real }],
            changes: Vec::<Vec<u8>>::new().into(),
            flags: None,
            version: automerge::sync::MessageVersion::V1,
        };
        assert!(decode(&ok.encode()).is_ok());
        assert!(decode(&message_with_bloom(&[])).is_ok(), "an empty filter is no filter");
        let no_bits = decode(&message_with_bloom(&[1, 0, 7])).unwrap_err();
        assert!(no_bits.0.contains("no bits"), "{no_bits}");
        let probes = decode(&message_with_bloom(&[1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xaa, 0xbb])).unwrap_err();
        assert!(probes.0.contains("probes"), "{probes}");
    }
}
