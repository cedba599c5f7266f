//! The terminal registry: an administrator registers each terminal's key for an agency, and retires it when
//! the tablet is lost or replaced. Only registered, active terminals may sync (see [`crate::auth`]).

use crate::ApiError;
use crate::store::Store;

/// Registers a terminal by its device id and public key (hex, as `fieldtrail-terminal device` prints it).
pub fn register<S: Store>(
    store: &S,
    id: &str,
    public_key_hex: &str,
    agency: &str,
    actor: &str,
) -> Result<(), ApiError> {
    let id = id.trim();
    if id.is_empty() || id.len() > 128 {
        return Err(ApiError::bad("bad_device", "a device id is 1 to 128 characters"));
    }
    let key = hex::decode(public_key_hex.trim())
        .ok()
        .filter(|k| k.len() == 32)
        .ok_or_else(|| ApiError::bad("bad_device", "the public key is not 64 hex digits (an Ed25519 key)"))?;
    store.transact(|tx| tx.register_device(id, &key, agency, actor))
}

/// Retires a terminal: its requests are refused from now on.
pub fn retire<S: Store>(store: &S, id: &str) -> Result<(), ApiError> {
    if store.transact(|tx| tx.retire_device(id))? {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("no active device {id}")))
    }
}
