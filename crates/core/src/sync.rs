//! Rules of the sync protocol shared by the terminal and the server.
//!
//! Both ends persist, per document and peer, only the heads they last shared (automerge's own persisted sync
//! state). Before generating the first message of a sync, [`seed_state`] tells automerge to assume the peer holds
//! exactly those heads, so the first message already carries every change made since, and the common case (only
//! one side changed) finishes in one round trip instead of three. If the assumption is wrong (the peer lost data),
//! automerge's reset message corrects it in the following rounds.

use automerge::ChangeHash;
use automerge::sync::{BloomFilter, Capability, Have, State};

/// The sync state to start a sync with a peer that last shared `shared_heads` with us.
pub fn seed_state(shared_heads: Vec<ChangeHash>) -> State {
    let mut state = State::new();
    state.their_have = Some(vec![Have { last_sync: shared_heads.clone(), bloom: BloomFilter::default() }]);
    state.their_need = Some(Vec::new());
    state.their_heads = Some(shared_heads.clone());
    state.shared_heads = shared_heads;
    // Both ends run this automerge: v2 messages let a new document travel as one compressed save.
    state.their_capabilities = Some(vec![Capability::MessageV1, Capability::MessageV2, Capability::SyncReset]);
    state
}

/// A state for receiving a peer's message when we last shared `shared_heads` with it.
pub fn resume_state(shared_heads: Vec<ChangeHash>) -> State {
    let mut state = State::new();
    state.shared_heads = shared_heads;
    state
}

/// Heads as bytes: the 32-byte hashes, sorted, concatenated. Equal sets give equal bytes, so storage can
/// compare heads without decoding them.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    let mut sorted = heads.to_vec();
    sorted.sort();
    sorted.iter().flat_map(|h| h.0).collect()
}

/// The inverse of [`encode_heads`].
pub fn decode_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>, crate::Error> {
    if !bytes.len().is_multiple_of(32) {
        return Err(crate::Error::Malformed(format!("stored heads are {} bytes, not a multiple of 32", bytes.len())));
    }
    Ok(bytes
        .chunks_exact(32)
        .map(|c| {
            let mut h = [0u8; 32];
            h.copy_from_slice(c);
            ChangeHash(h)
        })
        .collect())
}
