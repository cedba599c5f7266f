//! `fieldtrail-terminal trust …`, `officer …`, `inspection present|lock`, `verify-qr`: certificates on the
//! terminal.

use anyhow::Context;
use clap::Subcommand;
use fieldtrail_core::identity::{Verification, key_id};
use fieldtrail_terminal::Terminal;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Provision an issuing authority's public key (`fieldtrail-server admin authority` prints it): only
    /// certificates it signed enrol, present and verify here.
    AddAuthority {
        /// The authority's Ed25519 public key, 64 hex digits.
        public_key: String,
        /// The authority's name, as verifications will show it.
        #[arg(long)]
        name: String,
    },
    /// List the provisioned authorities with their key ids.
    List,
}

pub fn trust(terminal: &Terminal, cmd: TrustCommand) -> anyhow::Result<()> {
    match cmd {
        TrustCommand::AddAuthority { public_key, name } => {
            let key = hex::decode(public_key.trim()).context("the public key is not hex")?;
            let a = terminal.provision_authority(&name, &key)?;
            println!("trusting {} (key id {})", a.name, hex::encode(key_id(&a.public_key)));
        }
        TrustCommand::List => {
            for a in terminal.trust_list()?.authorities {
                println!("{}  {}  {}", hex::encode(key_id(&a.public_key)), hex::encode(&a.public_key), a.name);
            }
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum OfficerCommand {
    /// Enrol an officer from the administrator's package.
    Enrol {
        #[arg(long)]
        package: PathBuf,
        /// The one-time code printed when the package was issued.
        #[arg(long)]
        code: String,
        /// The officer's new PIN (6 to 12 digits).
        #[arg(long, env = "FIELDTRAIL_PIN")]
        pin: String,
    },
    /// List the officers enrolled on this terminal.
    List,
}

pub fn officer(terminal: &Terminal, cmd: OfficerCommand) -> anyhow::Result<()> {
    match cmd {
        OfficerCommand::Enrol { package, code, pin } => {
            let bytes = std::fs::read(&package).with_context(|| format!("reading {}", package.display()))?;
            let o = terminal.enrol(&bytes, &code, &pin)?;
            println!("enrolled {} ({}), {}", o.name, o.certificate_number, o.agency);
        }
        OfficerCommand::List => {
            for o in terminal.officers()? {
                let locked = o.locked_until.map(|t| format!("  [PIN locked until {t}]")).unwrap_or_default();
                println!("{}  {}  {}  {}{locked}", o.certificate_number, o.name, o.agency, o.kind);
            }
        }
    }
    Ok(())
}

/// Presents an officer's certificate for an inspection and prints the verify page's URL for it, on the server
/// at `verify_url` (and the QR code with `--qr`, at error correction M, CERT-3).
pub fn present(
    terminal: &Terminal,
    id: &str,
    number: &str,
    pin: &str,
    verify_url: &str,
    qr: bool,
) -> anyhow::Result<()> {
    let officer = terminal.unlock(number, pin)?;
    let presentation = terminal.present(id, &officer)?;
    let text = presentation.to_url(verify_url)?;
    if qr {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)?;
        println!("{}", code.render::<qrcode::render::unicode::Dense1x2>().quiet_zone(true).build());
    }
    println!("{text}");
    Ok(())
}

pub fn print_verification(v: &Verification) {
    println!("verdict     {}", v.verdict.as_str());
    println!("detail      {}", v.detail);
    if let Some(c) = &v.certificate {
        println!("name        {}", c.name);
        println!("number      {}", c.number);
        println!("agency      {}", c.agency);
        println!("categories  {}", c.categories.join(", "));
        println!("regions     {}", c.regions.join(", "));
        println!("kind        {}", c.kind.as_str());
    }
    if let Some(id) = &v.inspection_id {
        println!("inspection  {id}");
    }
    match (v.revocation_version, v.revocation_age) {
        (Some(version), Some(age)) => println!("revocations version {version}, {} h old", age / 3600),
        _ => println!("revocations none received yet"),
    }
}
