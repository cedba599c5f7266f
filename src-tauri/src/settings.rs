//! What the app runs with: where its data lives and which sync server it talks to.

use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;

/// The sync server used when `FIELDTRAIL_SERVER` is not set.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8787";

/// The app's settings, as `get_settings` returns them to the ui.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Settings {
    /// Base URL of the sync server: `$FIELDTRAIL_SERVER`, else [`DEFAULT_SERVER`].
    pub server: String,
    /// Public address of the server's verify page, which the presentation QR opens on a party's phone (CERT-3):
    /// `$FIELDTRAIL_VERIFY_URL`, else the sync server's.
    pub verify_url: String,
    /// Directory of the local store: `$FIELDTRAIL_DATA`, else the platform's app data directory.
    #[ts(type = "string")]
    pub data_dir: PathBuf,
    /// `$FIELDTRAIL_FIXED_POSITION` (`LAT,LON,ACCURACY_M`): a fixed position every capture records, a fake for
    /// tests and demonstrations on machines without a location service. See [`crate::position`].
    pub fixed_position: Option<String>,
}

impl Settings {
    /// Settings from the process environment; `default_data_dir` is used when `FIELDTRAIL_DATA` is unset.
    pub fn from_env(default_data_dir: PathBuf) -> Self {
        Self::from_lookup(|name| std::env::var(name).ok(), default_data_dir)
    }

    /// Settings from the variables `lookup` returns; empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>, default_data_dir: PathBuf) -> Self {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let server = var("FIELDTRAIL_SERVER").unwrap_or_else(|| DEFAULT_SERVER.to_owned());
        Self {
            verify_url: var("FIELDTRAIL_VERIFY_URL").unwrap_or_else(|| server.clone()),
            server,
            data_dir: var("FIELDTRAIL_DATA").map_or(default_data_dir, PathBuf::from),
            fixed_position: var("FIELDTRAIL_FIXED_POSITION"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
    }

    #[test]
    fn defaults_without_environment() {
        let settings = Settings::from_lookup(env(&[]), PathBuf::from("/app/data"));
        assert_eq!(settings.server, DEFAULT_SERVER);
        assert_eq!(settings.verify_url, DEFAULT_SERVER, "the verify page is on the sync server unless set");
        assert_eq!(settings.data_dir, PathBuf::from("/app/data"));
        assert_eq!(settings.fixed_position, None);
    }

    #[test]
    fn verify_url_may_differ_from_the_sync_server() {
        let vars = [("FIELDTRAIL_SERVER", "http://10.0.0.2:9000"), ("FIELDTRAIL_VERIFY_URL", "https://ft.example.cn")];
        let settings = Settings::from_lookup(env(&vars), PathBuf::from("/app/data"));
        assert_eq!(settings.verify_url, "https://ft.example.cn");
    }

    #[test]
    fn environment_overrides_defaults() {
        let vars = [
            ("FIELDTRAIL_SERVER", "http://10.0.0.2:9000"),
            ("FIELDTRAIL_DATA", "/tmp/ft"),
            ("FIELDTRAIL_FIXED_POSITION", "40.7574,107.3940,12"),
        ];
        let settings = Settings::from_lookup(env(&vars), PathBuf::from("/app/data"));
        assert_eq!(settings.server, "http://10.0.0.2:9000");
        assert_eq!(settings.data_dir, PathBuf::from("/tmp/ft"));
        assert_eq!(settings.fixed_position.as_deref(), Some("40.7574,107.3940,12"));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let vars = [("FIELDTRAIL_SERVER", ""), ("FIELDTRAIL_DATA", " ")];
        let settings = Settings::from_lookup(env(&vars), PathBuf::from("/app/data"));
        assert_eq!(settings.server, DEFAULT_SERVER);
        assert_eq!(settings.data_dir, PathBuf::from("/app/data"));
    }

    #[test]
    fn serialises_with_snake_case_fields() -> Result<(), serde_json::Error> {
        let settings = Settings {
            server: "http://s".into(),
            verify_url: "https://v".into(),
            data_dir: PathBuf::from("/d"),
            fixed_position: None,
        };
        assert_eq!(
            serde_json::to_value(&settings)?,
            serde_json::json!({"server": "http://s", "verify_url": "https://v", "data_dir": "/d", "fixed_position": null})
        );
        Ok(())
    }
}
