//! `fieldtrail-terminal`: drive a terminal from a shell, for scripting, tests and support.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use fieldtrail_core::share::ShareAction;
use fieldtrail_core::{
    CatalogueItem, CheckResult, Edit, InspectionView, Kind, LegalBasis, Location, NewInspection, OfficerRef, Party,
    Status,
};
use fieldtrail_terminal::Terminal;
use std::path::PathBuf;

mod cli_evidence;
mod cli_officer;

/// A FieldTrail terminal without the app.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Data directory of the terminal (created on first use).
    #[arg(long, env = "FIELDTRAIL_DATA", global = true, default_value = "fieldtrail-terminal-data")]
    data: PathBuf,
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Print this terminal's device id and public key, and its registration QR text (`FTR1:`, for `fieldtrail-server
    /// admin register-device --qr`): what the administrator registers.
    Device,
    /// The issuing authorities this terminal trusts, as its administrator provisioned them.
    #[command(subcommand)]
    Trust(cli_officer::TrustCommand),
    /// Officers enrolled on this terminal.
    #[command(subcommand)]
    Officer(cli_officer::OfficerCommand),
    /// Verify a case bundle offline, on any machine: no data directory or server needed.
    VerifyBundle {
        file: PathBuf,
        /// A trusted authority's public key (hex), as the authority publishes it; repeatable. Without, the
        /// bundle's own are used and their key ids printed for comparison.
        #[arg(long = "trust")]
        trust: Vec<String>,
        /// The sync server's published log key (hex); repeatable. Without, the bundle's is used and printed.
        #[arg(long = "log-key")]
        log_key: Vec<String>,
    },
    /// Verify a certificate (FT1:) or presentation (verify page URL, or the older FTP1: text) QR offline.
    VerifyQr {
        text: String,
        /// Also check the presentation was made for this inspection.
        #[arg(long)]
        inspection: Option<String>,
    },
    /// Work with inspections.
    #[command(subcommand)]
    Inspection(InspectionCommand),
    /// The item catalogue (执法事项清单) inspections are opened from.
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
    /// Merge with the sync server.
    Sync {
        /// The server's base URL, e.g. http://127.0.0.1:8787
        #[arg(long, env = "FIELDTRAIL_SERVER")]
        server: String,
    },
    /// Show what is waiting to be synced and the documents set aside as unreadable.
    Status {
        /// The sync server, for the last sync time and the evidence still to upload to it.
        #[arg(long, env = "FIELDTRAIL_SERVER", default_value = "")]
        server: String,
        #[arg(long)]
        json: bool,
    },
    /// Work with evidence files: photos, audio, video.
    #[command(subcommand)]
    Evidence(cli_evidence::EvidenceCommand),
    /// Re-hash every local evidence file and re-check every kept sync receipt; list problems and exit
    /// non-zero if there are any.
    Verify,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum InspectionCommand {
    /// Open a new inspection; prints its id.
    New(NewArgs),
    /// List inspections.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one inspection, with its conflicts.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Edit an inspection.
    Edit(EditArgs),
    /// Resolve a conflict: set FIELD (as `inspection show` names it, e.g. result) to one of its values or a new one.
    Resolve {
        id: String,
        #[arg(long)]
        field: String,
        #[arg(long)]
        value: String,
    },
    /// Print the document's heads (its state, as change hashes).
    Heads { id: String },
    /// Present an officer's certificate for this inspection (亮证); prints the verify page URL its QR carries.
    Present {
        id: String,
        /// The officer's certificate number.
        #[arg(long)]
        officer: String,
        #[arg(long, env = "FIELDTRAIL_PIN")]
        pin: String,
        /// The public address of the server's verify page (CERT-3), which a party's phone opens.
        #[arg(long, env = "FIELDTRAIL_VERIFY_URL", default_value = "http://127.0.0.1:8787")]
        verify_url: String,
        /// Also draw the QR code in the terminal.
        #[arg(long)]
        qr: bool,
    },
    /// End and lock the inspection in one step: needs two certified officers' presentations; the locking officer
    /// signs its state. A refused lock leaves it as it was, not ended.
    Lock {
        id: String,
        #[arg(long)]
        officer: String,
        #[arg(long, env = "FIELDTRAIL_PIN")]
        pin: String,
    },
    /// Change a locked inspection, with a reason; the earlier text stays readable.
    Amend {
        id: String,
        #[arg(long)]
        officer: String,
        #[arg(long, env = "FIELDTRAIL_PIN")]
        pin: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        findings: Option<String>,
        #[arg(long)]
        result: Option<String>,
    },
    /// Export the inspection as a case bundle that verifies offline.
    Export {
        id: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Replay the inspection step by step.
    Timeline {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// The party signed: the signature image (PNG or JPEG) is kept as evidence.
    Sign {
        id: String,
        #[arg(long)]
        image: std::path::PathBuf,
        /// Where the device is as LATITUDE,LONGITUDE,ACCURACY_M, signed with the signature image.
        #[arg(long, allow_hyphen_values = true)]
        position: Option<String>,
    },
    /// The party refused to sign; record what they said.
    RefuseSignature {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Share the inspection with another agency (联合检查): the server records who, when and why.
    Share(ShareArgs),
    /// Withdraw a share: the agency's terminals are no longer offered the inspection.
    Unshare(ShareArgs),
    /// Record an attempt to interfere with the enforcement.
    Interference {
        id: String,
        #[arg(long)]
        officer: String,
        #[arg(long, env = "FIELDTRAIL_PIN")]
        pin: String,
        #[arg(long)]
        description: String,
    },
}

#[derive(Debug, Args)]
struct ShareArgs {
    id: String,
    /// The agency to share with.
    #[arg(long)]
    agency: String,
    #[arg(long)]
    reason: String,
    /// The server's base URL, e.g. http://127.0.0.1:8787
    #[arg(long, env = "FIELDTRAIL_SERVER")]
    server: String,
}

#[derive(Debug, Subcommand)]
enum CatalogueCommand {
    /// Import a catalogue JSON file (docs/catalogue.md); refused if invalid or older than the stored one.
    Import { file: PathBuf },
    /// List the catalogue's items, or those whose code, name or category contains the search text.
    List {
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct NewArgs {
    /// Open the inspection from this catalogue item: its code, name, kind, category, legal basis and checklist,
    /// each overridden by the matching explicit flag.
    #[arg(long)]
    item: Option<String>,
    /// 执法类别 of the item: an officer's certificate must cover it.
    #[arg(long)]
    category: Option<String>,
    /// Administrative division code of the place (e.g. 150802): an officer's certificate must cover it.
    #[arg(long, default_value = "")]
    region: String,
    /// Required unless --item is given.
    #[arg(long, required_unless_present = "item")]
    item_code: Option<String>,
    /// Required unless --item is given.
    #[arg(long, required_unless_present = "item")]
    item_name: Option<String>,
    /// inspection (the default), penalty, licence, coercion or levy.
    #[arg(long, value_parser = parse::<Kind>)]
    kind: Option<Kind>,
    #[arg(long, default_value = "")]
    agency: String,
    #[arg(long)]
    party_name: String,
    #[arg(long, default_value = "")]
    party_credit_code: String,
    #[arg(long, default_value = "")]
    party_id_number: String,
    #[arg(long, default_value = "")]
    party_address: String,
    #[arg(long, default_value = "")]
    party_phone: String,
    /// Legal basis as LAW[:ARTICLE[:CLAUSE[:ITEM]]]; repeatable.
    #[arg(long = "basis")]
    basis: Vec<String>,
    #[arg(long, allow_hyphen_values = true)]
    latitude: Option<f64>,
    #[arg(long, allow_hyphen_values = true)]
    longitude: Option<f64>,
    #[arg(long, default_value = "")]
    address: String,
    /// Where the device is as LATITUDE,LONGITUDE,ACCURACY_M, recorded as the start position (REC-1); without
    /// it the inspection records that this device has no position source.
    #[arg(long, allow_hyphen_values = true)]
    position: Option<String>,
    /// Officer as CERTIFICATE_NUMBER:NAME; repeatable.
    #[arg(long = "officer")]
    officers: Vec<String>,
    /// A checklist item's label; repeatable.
    #[arg(long = "check")]
    checks: Vec<String>,
}

#[derive(Debug, Args)]
struct EditArgs {
    id: String,
    #[arg(long)]
    findings: Option<String>,
    #[arg(long)]
    result: Option<String>,
    #[arg(long, value_parser = parse::<Status>)]
    status: Option<Status>,
    /// Add a checklist item with this label; repeatable.
    #[arg(long = "add-check")]
    add_checks: Vec<String>,
    /// Set a checklist item's result as ITEM_ID=RESULT (pending, pass, fail, not_applicable); repeatable.
    #[arg(long = "check-result")]
    check_results: Vec<String>,
    /// Record the end of the inspection now, without locking it (`inspection lock` ends and locks in one step).
    #[arg(long)]
    end: bool,
}

fn parse<T: std::str::FromStr<Err = fieldtrail_core::Error>>(s: &str) -> Result<T, String> {
    s.parse().map_err(|e: fieldtrail_core::Error| e.to_string())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FIELDTRAIL_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Command::VerifyBundle { file, trust, log_key } = &cli.command {
        let hexes = |list: &[String]| list.iter().map(|k| hex::decode(k.trim())).collect::<Result<Vec<_>, _>>();
        let keys = hexes(trust).context("--trust takes hex keys")?;
        let log_keys = hexes(log_key).context("--log-key takes hex keys")?;
        let report = fieldtrail_terminal::bundle::verify_bundle(file, &keys, &log_keys)?;
        print!("{}", report.render());
        std::process::exit(if report.is_clean() { 0 } else { 1 });
    }
    let terminal = Terminal::open(&cli.data).with_context(|| format!("opening terminal in {}", cli.data.display()))?;
    match cli.command {
        Command::Device => {
            println!("device id   {}", terminal.device_id());
            println!("public key  {}", terminal.device_public_key()?);
            println!("registration {}", terminal.registration()?.to_qr_text());
        }
        Command::Trust(cmd) => cli_officer::trust(&terminal, cmd)?,
        Command::Officer(cmd) => cli_officer::officer(&terminal, cmd)?,
        Command::VerifyBundle { .. } => unreachable!("handled before the terminal is opened"),
        Command::VerifyQr { text, inspection } => {
            let v = terminal.verify_qr(&text, inspection.as_deref())?;
            cli_officer::print_verification(&v);
            anyhow::ensure!(v.is_valid(), "not valid: {}", v.verdict.as_str());
        }
        Command::Status { server, json } => {
            let status = terminal.status(&server)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
                return Ok(());
            }
            let unsynced = terminal.unsynced()?;
            println!("{} inspection(s) not yet synced", unsynced.len());
            for id in unsynced {
                println!("  {id}");
            }
            // SEC-3: set aside, with why; their bytes are kept.
            println!("{} document(s) in quarantine (they do not read as an inspection)", status.quarantined.len());
            for q in &status.quarantined {
                println!("  {}  since {}: {}", q.id, q.since, q.reason);
            }
            println!("{} document(s) refused by the server (the others sync)", status.refused.len());
            for r in &status.refused {
                println!("  {}  since {}: {} {}: {}", r.id, r.since, r.status, r.code, r.message);
            }
        }
        Command::Sync { server } => {
            let r = terminal.sync(&server).await?;
            println!(
                "synced with {server}: {} round trip(s), sent {} document(s), received {} document(s), {} bytes up, {} bytes down",
                r.rounds, r.sent_docs, r.received_docs, r.bytes_sent, r.bytes_received
            );
            if r.server_restored {
                println!("the server was restored from a backup: everything was sent to it again");
            }
            if r.quarantined_docs > 0 {
                println!(
                    "{} document(s) do not read as an inspection and were set aside (see status)",
                    r.quarantined_docs
                );
            }
            if r.refused_docs > 0 {
                println!(
                    "the server refused {} document(s) of this terminal; the others synced (see status)",
                    r.refused_docs
                );
            }
        }
        Command::Inspection(InspectionCommand::Share(a)) => share(&terminal, a, ShareAction::Shared).await?,
        Command::Inspection(InspectionCommand::Unshare(a)) => share(&terminal, a, ShareAction::Unshared).await?,
        Command::Inspection(cmd) => inspection(&terminal, cmd)?,
        Command::Catalogue(cmd) => catalogue(&terminal, cmd)?,
        Command::Evidence(cmd) => cli_evidence::run(&terminal, cmd).await?,
        Command::Verify => {
            // TRAIL-1: the hash-linked change log, the inspections against it, and every lock's signature.
            let history = terminal.verify_history()?;
            for problem in &history.problems {
                println!("history  {problem}");
            }
            println!(
                "{} change(s) in the hash-linked log, {} inspection(s) checked: {} problem(s)",
                history.rows,
                history.documents,
                history.problems.len()
            );
            cli_evidence::verify(&terminal)?;
            if !history.is_clean() {
                std::process::exit(1);
            }
        }
    }
    Ok(())
}

async fn share(terminal: &Terminal, a: ShareArgs, action: ShareAction) -> anyhow::Result<()> {
    let s = terminal.share(&a.server, &a.id, action, &a.agency, &a.reason).await?;
    println!(
        "inspection {} {} {}: recorded by the server as log entry {} (by {})",
        a.id,
        action.as_str(),
        s.event.agency,
        s.log_index,
        s.event.by
    );
    Ok(())
}

fn inspection(terminal: &Terminal, cmd: InspectionCommand) -> anyhow::Result<()> {
    match cmd {
        InspectionCommand::New(args) => {
            let item = args.item.as_deref().map(|code| terminal.catalogue_item(code)).transpose()?;
            let category = args.category.clone().or_else(|| item.as_ref().map(|i| i.category.clone()));
            let scope = Edit::SetScope { category: category.unwrap_or_default(), region: args.region.clone() };
            let id = terminal.create_inspection(&new_inspection(args, item.as_ref())?)?;
            terminal.edit(&id, &[scope])?;
            println!("{id}");
        }
        InspectionCommand::List { json } => {
            let list = terminal.list_inspections()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for i in list {
                    let conflict =
                        if i.conflicts > 0 { format!("  [{} conflict(s)]", i.conflicts) } else { String::new() };
                    println!("{}  {}  {}  {}  {}{}", i.id, i.started_at, i.item_name, i.party_name, i.status, conflict);
                }
            }
        }
        InspectionCommand::Show { id, json } => {
            let view = terminal.show(&id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view)?);
            } else {
                print!("{}", render(&view));
            }
        }
        InspectionCommand::Edit(args) => {
            let edits = edits(args.findings, args.result, args.status, args.add_checks, args.check_results, args.end)?;
            anyhow::ensure!(
                !edits.is_empty(),
                "nothing to edit: give at least one of --findings, --result, --status, --add-check, --check-result, --end"
            );
            terminal.edit(&args.id, &edits)?;
        }
        InspectionCommand::Resolve { id, field, value } => terminal.resolve_conflict(&id, &field, &value)?,
        InspectionCommand::Present { id, officer, pin, verify_url, qr } => {
            cli_officer::present(terminal, &id, &officer, &pin, &verify_url, qr)?
        }
        InspectionCommand::Lock { id, officer, pin } => {
            terminal.lock(&id, &terminal.unlock(&officer, &pin)?)?;
            println!("inspection {id} ended and locked");
        }
        InspectionCommand::Amend { id, officer, pin, reason, findings, result } => {
            let officer = terminal.unlock(&officer, &pin)?;
            let edit = match (findings, result) {
                (Some(text), None) => Edit::SetFindings(text),
                (None, Some(text)) => Edit::SetResult(text),
                _ => anyhow::bail!("amend one field at a time: --findings or --result"),
            };
            terminal.amend(&id, edit, &reason, &officer)?;
            println!("inspection {id} amended");
        }
        InspectionCommand::Export { id, out } => {
            let manifest = terminal.export_bundle(&id, &out)?;
            println!("wrote {} with {} evidence file(s)", out.display(), manifest.evidence.len());
        }
        InspectionCommand::Timeline { id, json } => {
            let timeline = terminal.timeline(&id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&timeline)?);
            } else {
                for (n, step) in timeline.iter().enumerate() {
                    println!(
                        "{:>3}  {}  {}  {}  [{}]",
                        n + 1,
                        step.device_time,
                        step.what,
                        step.actor,
                        &step.hash[..12]
                    );
                    for change in &step.changes {
                        println!("       {change}");
                    }
                    if let Some(delivered) = &step.delivered {
                        println!("       ({delivered})");
                    }
                }
            }
        }
        InspectionCommand::Sign { id, image, position } => {
            let bytes = std::fs::read(&image).with_context(|| format!("reading {}", image.display()))?;
            println!("{}", terminal.party_signed(&id, &bytes, None, cli_evidence::position(position.as_deref())?)?);
        }
        InspectionCommand::RefuseSignature { id, reason } => terminal.signature_refused(&id, &reason)?,
        InspectionCommand::Share(_) | InspectionCommand::Unshare(_) => unreachable!("shares are sent by main"),
        InspectionCommand::Interference { id, officer, pin, description } => {
            terminal.record_interference(&id, &description, &terminal.unlock(&officer, &pin)?)?;
        }
        InspectionCommand::Heads { id } => {
            let mut doc = terminal.document(&id)?;
            for h in doc.heads() {
                println!("{h}");
            }
        }
    }
    Ok(())
}

fn catalogue(terminal: &Terminal, cmd: CatalogueCommand) -> anyhow::Result<()> {
    match cmd {
        CatalogueCommand::Import { file } => {
            let json = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let r = terminal.import_catalogue(&json).with_context(|| format!("importing {}", file.display()))?;
            let previous = r.previous.map(|v| format!(" (was version {v})")).unwrap_or_default();
            println!("catalogue version {}{previous}: {} item(s)", r.version, r.items);
        }
        CatalogueCommand::List { search, json } => {
            let items = terminal.search_catalogue(search.as_deref().unwrap_or(""))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&items)?);
            } else {
                for i in items {
                    let basis = i.legal_basis.first().map(|b| format!("{} {}", b.law, b.article)).unwrap_or_default();
                    println!("{}  {}  {}  {}  {}", i.code, i.name, i.kind, i.category, basis.trim_end());
                }
            }
        }
    }
    Ok(())
}

/// The new inspection from the flags, each left-out one taken from the catalogue `item` when there is one.
fn new_inspection(a: NewArgs, item: Option<&CatalogueItem>) -> anyhow::Result<NewInspection> {
    let legal_basis: Vec<LegalBasis> = a
        .basis
        .iter()
        .map(|b| {
            let mut parts = b.splitn(4, ':').map(str::to_owned);
            LegalBasis {
                law: parts.next().unwrap_or_default(),
                article: parts.next().unwrap_or_default(),
                clause: parts.next().unwrap_or_default(),
                item: parts.next().unwrap_or_default(),
            }
        })
        .collect();
    let legal_basis = match item {
        Some(i) if legal_basis.is_empty() => i.legal_basis.clone(),
        _ => legal_basis,
    };
    let checklist = match item {
        Some(i) if a.checks.is_empty() => i.checklist.clone(),
        _ => a.checks,
    };
    let officers = a
        .officers
        .iter()
        .map(|o| {
            let (cert, name) =
                o.split_once(':').with_context(|| format!("officer '{o}' is not CERTIFICATE_NUMBER:NAME"))?;
            Ok(OfficerRef { certificate_number: cert.to_owned(), name: name.to_owned() })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(NewInspection {
        agency: a.agency,
        kind: a.kind.or(item.map(|i| i.kind)).unwrap_or(Kind::Inspection),
        item_code: a.item_code.or_else(|| item.map(|i| i.code.clone())).unwrap_or_default(),
        item_name: a.item_name.or_else(|| item.map(|i| i.name.clone())).unwrap_or_default(),
        legal_basis,
        party: Party {
            name: a.party_name,
            credit_code: a.party_credit_code,
            id_number: a.party_id_number,
            address: a.party_address,
            phone: a.party_phone,
        },
        location: Location { latitude: a.latitude, longitude: a.longitude, address: a.address },
        officers,
        started_at: chrono::Utc::now(),
        position: cli_evidence::position(a.position.as_deref())?,
        checklist,
    })
}

fn edits(
    findings: Option<String>,
    result: Option<String>,
    status: Option<Status>,
    add_checks: Vec<String>,
    check_results: Vec<String>,
    end: bool,
) -> anyhow::Result<Vec<Edit>> {
    let mut edits = Vec::new();
    edits.extend(findings.map(Edit::SetFindings));
    edits.extend(result.map(Edit::SetResult));
    edits.extend(status.map(Edit::SetStatus));
    edits.extend(add_checks.into_iter().map(|label| Edit::AddChecklistItem { label }));
    for cr in check_results {
        let (item_id, result) = cr.rsplit_once('=').with_context(|| format!("'{cr}' is not ITEM_ID=RESULT"))?;
        let result: CheckResult = result.parse()?;
        edits.push(Edit::SetChecklistResult { item_id: item_id.to_owned(), result });
    }
    if end {
        edits.push(Edit::SetEndedAt(chrono::Utc::now()));
    }
    Ok(edits)
}

/// The inspection as text, each conflicting field marked with all its values.
fn render(view: &InspectionView) -> String {
    let i = &view.inspection;
    let conflict = |field: &str| {
        view.conflicts
            .iter()
            .find(|c| c.field == field)
            .map(|c| {
                let values: Vec<String> = c
                    .values
                    .iter()
                    .map(|v| {
                        let officer = v.officer.as_ref().map(|o| format!("{} {}, ", o.certificate_number, o.name));
                        format!("{} ({}device {}, {})", v.value, officer.unwrap_or_default(), v.device, v.device_time)
                    })
                    .collect();
                format!("   <<CONFLICT: {}>>", values.join(" | "))
            })
            .unwrap_or_default()
    };
    let mut out = String::new();
    let mut line =
        |label: &str, value: &str, field: &str| out.push_str(&format!("{label:<12}{value}{}\n", conflict(field)));
    line("id", &i.id, "id");
    line("kind", i.kind.as_str(), "kind");
    line("agency", &i.agency, "agency");
    line("item", &format!("{} {}", i.item_code, i.item_name), "item.name");
    for b in &i.legal_basis {
        line("basis", format!("{} {} {} {}", b.law, b.article, b.clause, b.item).trim_end(), "");
    }
    line("party", &i.party.name, "party.name");
    line("location", &i.location.address, "location.address");
    for o in &i.officers {
        line("officer", &format!("{} {}", o.certificate_number, o.name), "");
    }
    line("started", &i.started_at, "started_at");
    line("position", &cli_evidence::describe(i.position.as_ref()), "position");
    line("ended", i.ended_at.as_deref().unwrap_or("-"), "ended_at");
    line("status", i.status.as_str(), "status");
    for c in &i.checklist {
        let field = format!("checklist[{}].result", c.id);
        line("check", &format!("[{}] {} ({})", c.result, c.label, c.id), &field);
    }
    line("findings", &i.findings, "findings");
    line("result", &i.result, "result");
    if !view.conflicts.is_empty() {
        out.push_str(&format!(
            "{} field(s) in conflict: edit them or `inspection resolve` to resolve\n",
            view.conflicts.len()
        ));
    }
    out
}
