//! `fieldtrail-server --data DIR admin …`: the administrator's commands: set up the issuing authority, issue
//! certificates with enrolment packages, suspend, reinstate or revoke them, register and retire terminals.

use anyhow::Context;
use clap::{Args, Subcommand};
use fieldtrail_core::identity::{CertificateKind, DeviceRegistration, EnrolmentCode};
use fieldtrail_core::share::ShareAction;
use fieldtrail_server::authority::{self, IssueRequest, StatusChange};
use fieldtrail_server::authz::Actor;
use fieldtrail_server::shares::{self, ShareRequest};
use fieldtrail_server::store::Store;
use fieldtrail_server::{SqliteStore, devices, trail};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create the issuing authority's key (once).
    InitAuthority {
        /// The authority's name, printed on certificates.
        #[arg(long)]
        name: String,
    },
    /// Print the authority's name and public key, to provision terminals with (`fieldtrail-terminal trust
    /// add-authority`).
    Authority,
    /// Issue a certificate; writes the enrolment package and prints the one-time code that opens it.
    Issue(IssueArgs),
    /// Suspend a certificate (暂扣).
    Suspend(StatusArgs),
    /// Lift a suspension.
    Reinstate(StatusArgs),
    /// Revoke a certificate for good (缴销).
    Revoke(StatusArgs),
    /// Register a terminal by its device id and public key (`fieldtrail-terminal device`), or by the text of
    /// the registration QR the tablet shows (`--qr FTR1:…`).
    RegisterDevice {
        #[arg(long, required_unless_present = "qr", requires = "public_key")]
        device: Option<String>,
        #[arg(long, requires = "device")]
        public_key: Option<String>,
        /// The tablet's registration QR text, scanned or copied: instead of --device and --public-key.
        #[arg(long, conflicts_with_all = ["device", "public_key"])]
        qr: Option<String>,
        #[arg(long)]
        agency: String,
    },
    /// Retire a terminal: it may no longer sync.
    RetireDevice {
        #[arg(long)]
        device: String,
    },
    /// Share an inspection with another agency (联合检查): recorded with who and why, and in the log.
    Share(ShareArgs),
    /// Withdraw a share: the agency's terminals are no longer offered the inspection.
    Unshare(ShareArgs),
    /// List certificates and their status.
    Certificates,
    /// List registered terminals.
    Devices,
    /// Close uploads idle longer than the abandon time and delete stray partial files (the server also does
    /// this by itself, every `--upload-cleanup-every`).
    CleanupUploads {
        /// Seconds without a write after which an open upload is abandoned.
        #[arg(long, env = "FIELDTRAIL_ABANDON_UPLOADS_AFTER", default_value_t = fieldtrail_server::uploads::DEFAULT_ABANDON_AFTER_SECS)]
        abandon_after: u64,
    },
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    #[arg(long)]
    number: String,
    #[arg(long)]
    name: String,
    #[arg(long)]
    agency: String,
    /// 执法类别; repeatable.
    #[arg(long = "category", required = true)]
    categories: Vec<String>,
    /// 执法区域 as an administrative division code (1508 covers 150802); repeatable.
    #[arg(long = "region", required = true)]
    regions: Vec<String>,
    /// First day of validity, YYYY-MM-DD.
    #[arg(long)]
    valid_from: chrono::NaiveDate,
    /// Last day of validity, YYYY-MM-DD.
    #[arg(long)]
    valid_to: chrono::NaiveDate,
    #[arg(long, default_value = "officer")]
    kind: String,
    /// The holder's photo (JPEG or PNG).
    #[arg(long)]
    photo: PathBuf,
    /// Where to write the enrolment package.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ShareArgs {
    /// The inspection's id.
    #[arg(long)]
    document: String,
    /// The agency it is shared with.
    #[arg(long)]
    agency: String,
    #[arg(long)]
    reason: String,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(long)]
    number: String,
    #[arg(long)]
    reason: String,
}

/// Who is acting: `--by`, else the login name.
pub fn actor(by: Option<String>) -> String {
    by.or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "admin".into())
}

pub fn run(data: &Path, key: Option<PathBuf>, by: &str, command: AdminCommand) -> anyhow::Result<()> {
    let store = SqliteStore::open(data)?;
    let key_path = key.unwrap_or_else(|| data.join("authority.key"));
    match command {
        AdminCommand::InitAuthority { name } => {
            let public = authority::init(&store, &key_path, &name)?;
            println!("authority \"{name}\" created; public key {}", hex::encode(public));
            println!("private key: {} (keep it safe; back it up offline)", key_path.display());
        }
        AdminCommand::Authority => {
            let (name, public) = store
                .transact(|tx| tx.authority())?
                .context("this server has no authority yet (run `admin init-authority` first)")?;
            println!("authority   {name}");
            println!("public key  {}", hex::encode(public));
        }
        AdminCommand::Issue(a) => {
            let key = authority::load(&store, &key_path)?;
            let day = |d: chrono::NaiveDate, end: bool| {
                let time = if end { d.and_hms_opt(23, 59, 59) } else { d.and_hms_opt(0, 0, 0) };
                time.map(|t| t.and_utc().timestamp()).context("date")
            };
            let photo = std::fs::read(&a.photo).with_context(|| format!("reading {}", a.photo.display()))?;
            let req = IssueRequest {
                number: a.number,
                name: a.name,
                agency: a.agency,
                categories: a.categories,
                regions: a.regions,
                valid_from: day(a.valid_from, false)?,
                valid_to: day(a.valid_to, true)?,
                kind: a.kind.parse::<CertificateKind>()?,
                photo,
                actor: by.to_owned(),
            };
            let issued = authority::issue(&store, &key, &req)?;
            std::fs::write(&a.out, issued.package.to_bytes())
                .with_context(|| format!("writing {}", a.out.display()))?;
            let body = issued.certificate.body();
            println!(
                "issued certificate {} to {} ({} bytes; QR text {} characters)",
                body.number,
                body.name,
                issued.certificate.bytes().len(),
                issued.certificate.to_qr_text().len()
            );
            println!("enrolment package: {}", a.out.display());
            println!("enrolment code:    {}", issued.code);
            // The officer scans this on the tablet's enrolment screen instead of typing the code.
            let code = EnrolmentCode::parse(&issued.code)?;
            let qr = qrcode::QrCode::with_error_correction_level(code.to_qr_text().as_bytes(), qrcode::EcLevel::M)?;
            println!("enrolment code QR ({}):", code.to_qr_text());
            println!("{}", qr.render::<qrcode::render::unicode::Dense1x2>().quiet_zone(true).build());
        }
        AdminCommand::Suspend(a) => status(&store, &key_path, a, StatusChange::Suspend, by)?,
        AdminCommand::Reinstate(a) => status(&store, &key_path, a, StatusChange::Reinstate, by)?,
        AdminCommand::Revoke(a) => status(&store, &key_path, a, StatusChange::Revoke, by)?,
        AdminCommand::RegisterDevice { device, public_key, qr, agency } => {
            let (device, public_key) = match qr {
                Some(text) => {
                    let registration = DeviceRegistration::from_qr_text(&text)?;
                    (registration.device_id, hex::encode(registration.public_key))
                }
                None => (device.unwrap_or_default(), public_key.unwrap_or_default()),
            };
            devices::register(&store, &device, &public_key, &agency, by)?;
            println!("device {device} registered for {agency}");
        }
        AdminCommand::RetireDevice { device } => {
            devices::retire(&store, &device)?;
            println!("device {device} retired");
        }
        AdminCommand::Share(a) => share(&store, data, a, ShareAction::Shared, by)?,
        AdminCommand::Unshare(a) => share(&store, data, a, ShareAction::Unshared, by)?,
        AdminCommand::Certificates => {
            for c in store.transact(|tx| tx.certificates())? {
                println!("{}  {}  {}  {}  {}", c.number, c.name, c.agency, c.kind, c.status);
            }
        }
        AdminCommand::Devices => {
            for d in store.transact(|tx| tx.devices())? {
                println!("{}  {}  {}  registered {} by {}", d.id, d.agency, d.status, d.registered_at, d.registered_by);
            }
        }
        AdminCommand::CleanupUploads { abandon_after } => {
            // Run beside a live server, a PATCH racing this could lose its chunk; the server's own cleanup
            // takes each upload's lock. Hence: for a stopped server, or uploads idle far beyond the limit.
            let after = std::time::Duration::from_secs(abandon_after);
            let report = fieldtrail_server::upload_cleanup::cleanup(&store, data, after, |_, f| Some(f()))?;
            for id in &report.abandoned {
                println!("abandoned  {id}");
            }
            println!(
                "{} abandoned upload(s) closed ({} bytes deleted), {} stray file(s) deleted",
                report.abandoned.len(),
                report.abandoned_bytes,
                report.stray_files
            );
        }
    }
    Ok(())
}

fn status(store: &SqliteStore, key_path: &Path, a: StatusArgs, change: StatusChange, by: &str) -> anyhow::Result<()> {
    let key = authority::load(store, key_path)?;
    let version = authority::change_status(store, &key, &a.number, change, by, &a.reason)?;
    println!("certificate {}: {change:?}; revocation list version {version}", a.number);
    Ok(())
}

/// A share made by the administrator; the log's head is signed at once when the log key is here, so
/// `GET /v1/log/sth` covers it before the next sync.
fn share(store: &SqliteStore, data: &Path, a: ShareArgs, action: ShareAction, by: &str) -> anyhow::Result<()> {
    let actor = Actor::Operator { name: by.to_owned() };
    let key = trail::LogKey::load(data).ok();
    let req = ShareRequest { agency: a.agency, reason: a.reason };
    let entry = store.transact(|tx| {
        let entry = shares::change(tx, &actor, &a.document, action, &req)?;
        if let Some(key) = &key {
            trail::sign_head(tx, key)?;
        }
        Ok(entry)
    })?;
    println!(
        "document {} {} {} {} by {}; log entry {}",
        a.document,
        action.as_str(),
        if action == ShareAction::Shared { "with" } else { "from" },
        entry.event.agency,
        entry.event.by,
        entry.log_index
    );
    Ok(())
}
