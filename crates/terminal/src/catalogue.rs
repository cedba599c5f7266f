//! The item catalogue on the terminal (执法事项清单, REC-1, REC-8): imported whole, kept in SQLite, searched
//! offline when the officer opens an inspection.
//!
//! A catalogue replaces the stored one only when its version is the same or newer, so an old file passed
//! around on a USB stick cannot roll the terminal back. Syncing it from the server comes later (docs/catalogue.md).

use fieldtrail_core::{CatalogueItem, ItemCatalogue};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Error, Result};
use crate::{Terminal, store};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The version now stored.
    pub version: u64,
    /// The version stored before, if any.
    pub previous: Option<u64>,
    pub items: usize,
}

impl Terminal {
    /// Checks the catalogue in `json` and stores it in place of the current one; refuses an invalid catalogue
    /// or one older than the stored one, leaving the stored one as it was.
    pub fn import_catalogue(&self, json: &str) -> Result<ImportReport> {
        let catalogue = ItemCatalogue::from_json(json)?;
        // Stored re-serialised, so what is read back is exactly what was checked.
        let stored = serde_json::to_string(&catalogue).map_err(|e| Error::Invalid(format!("catalogue: {e}")))?;
        let version = i64::try_from(catalogue.version)
            .map_err(|_| Error::Invalid(format!("catalogue version {} is too large", catalogue.version)))?;
        self.write(|c| {
            let previous = stored_version(c)?;
            if let Some(have) = previous.filter(|have| *have > catalogue.version) {
                return Err(Error::CatalogueOutdated { have, offered: catalogue.version });
            }
            c.execute(
                "INSERT INTO catalogue (singleton, version, json, imported_at) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, json = excluded.json,
                 imported_at = excluded.imported_at",
                params![version, stored, store::now()],
            )?;
            Ok(ImportReport { version: catalogue.version, previous, items: catalogue.items.len() })
        })
    }

    /// The stored catalogue; `None` before the first import.
    pub fn catalogue(&self) -> Result<Option<ItemCatalogue>> {
        self.with_conn(|c| {
            let json: Option<String> =
                c.query_row("SELECT json FROM catalogue WHERE singleton = 1", [], |r| r.get(0)).optional()?;
            json.map(|j| ItemCatalogue::from_json(&j).map_err(Error::from)).transpose()
        })
    }

    /// Items whose code, name or category contains `query` (case-insensitive); every item for a blank query,
    /// none before the first import.
    pub fn search_catalogue(&self, query: &str) -> Result<Vec<CatalogueItem>> {
        Ok(self.catalogue()?.map(|c| c.search(query).into_iter().cloned().collect()).unwrap_or_default())
    }

    /// The item with this code, or an error that says the catalogue lacks it.
    pub fn catalogue_item(&self, code: &str) -> Result<CatalogueItem> {
        self.catalogue()?
            .and_then(|c| c.item(code).cloned())
            .ok_or_else(|| Error::Invalid(format!("no item {code} in this terminal's catalogue")))
    }
}

fn stored_version(c: &Connection) -> Result<Option<u64>> {
    let v: Option<i64> =
        c.query_row("SELECT version FROM catalogue WHERE singleton = 1", [], |r| r.get(0)).optional()?;
    Ok(v.map(|v| v as u64))
}
