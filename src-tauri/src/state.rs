//! The officers unlocked on this tablet: their keys stay in the Rust process, keyed by certificate number, until
//! they sign out or the app closes. The ui only ever sees certificate numbers.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use fieldtrail_terminal::UnlockedOfficer;

use crate::AppError;

/// Managed state: the unlocked officers, by certificate number.
#[derive(Debug, Default)]
pub struct Unlocked(Mutex<BTreeMap<String, Arc<UnlockedOfficer>>>);

impl Unlocked {
    fn map(&self) -> MutexGuard<'_, BTreeMap<String, Arc<UnlockedOfficer>>> {
        // A panic while holding the lock cannot leave the map half-written: recover it.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps `officer` unlocked, replacing an earlier unlock of the same certificate.
    pub fn insert(&self, officer: UnlockedOfficer) -> Arc<UnlockedOfficer> {
        let officer = Arc::new(officer);
        self.map().insert(officer.certificate().body().number.clone(), officer.clone());
        officer
    }

    /// The unlocked officer with certificate `number`, or the `officer_not_unlocked` error.
    pub fn get(&self, number: &str) -> Result<Arc<UnlockedOfficer>, AppError> {
        self.map()
            .get(number)
            .cloned()
            .ok_or_else(|| AppError::new("officer_not_unlocked", format!("officer {number} has not entered their PIN")))
    }

    /// Signs officer `number` out: their key is dropped once no running command holds it. True if they were in.
    pub fn remove(&self, number: &str) -> bool {
        self.map().remove(number).is_some()
    }

    /// Certificate numbers of the unlocked officers, sorted.
    pub fn numbers(&self) -> Vec<String> {
        self.map().keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_officer_who_did_not_unlock_is_refused_with_a_code() {
        let unlocked = Unlocked::default();
        assert_eq!(unlocked.get("15080001").map(|_| ()).map_err(|e| e.code), Err("officer_not_unlocked".into()));
        assert!(!unlocked.remove("15080001"));
        assert!(unlocked.numbers().is_empty());
    }
}
