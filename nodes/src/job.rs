//! Job files: what is computed, on whose data, with which policy, and who learns what.
//!
//! A job file (`job.toml`) is the unit the three privacy officers approve. It names:
//! a fresh random 128-bit job id (single use: [`check_and_mark_job_id`]), the rules file
//! (name and BLAKE3 hash; rules files are built into the binary), the circuit (hash; each
//! node recompiles the circuit from the rules and policy and refuses a mismatch, see
//! [`expected_circuit_hash`]), the policy (tolerance in basis points, home-equity rule),
//! the linkage mode, each party's input schema, the output policy and the federation
//! fingerprint. Approvals ([`crate::approval`]) sign the file's exact bytes, so the bytes,
//! not a re-serialisation, are what everyone agrees on: [`job_hash`] is BLAKE3 of them.
//!
//! The job file holds no personal data; it is public to the three parties.

use std::path::Path;

use samen_protocol::PartyId;
use serde::{Deserialize, Serialize};

use crate::federation::Federation;

mod circuit;
mod id;
mod show;
mod used;

use crate::input::schema::{expected_schema, InputSchema, LinkageMode};
pub use id::{Hash32, JobId};
pub use used::{check_and_mark_job_id, is_job_id_used, JobIdError, USED_JOBS_DIR};

/// The `format` value of job files this version writes and reads.
pub const JOB_FORMAT: &str = "samen-job/1";
/// Largest job file read.
pub const MAX_JOB_BYTES: u64 = 1 << 20;
/// Largest tolerance accepted (the circuit's bound): 10 000 bp, twice the norm.
pub const MAX_TOLERANCE_BP: u32 = samen_circuits::aio::household::MAX_TOLERANCE_BP as u32;
/// The name of the only circuit so far.
pub const AIO_CIRCUIT_NAME: &str = "aio-screening";

/// The security model a job runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobSecurityMode {
    /// Private against one curious party that follows the protocol.
    SemiHonest,
    /// Malicious security with abort. Not available in this version: [`Job::validate`]
    /// refuses a job that asks for it, because the checks that would catch a deviating
    /// party do not exist yet.
    Malicious,
}

impl JobSecurityMode {
    /// The engine's mode.
    pub fn to_protocol(self) -> samen_protocol::SecurityMode {
        match self {
            JobSecurityMode::SemiHonest => samen_protocol::SecurityMode::SemiHonest,
            JobSecurityMode::Malicious => samen_protocol::SecurityMode::Malicious,
        }
    }
}

/// What happens to equity in the own home (AIO-RULES.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HomeRule {
    /// Home equity does not exclude (AIO would be a loan); it is not counted.
    Loan,
    /// Home equity above the limit counts as wealth.
    Count,
}

/// The rules file, by name and hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesRef {
    /// Rules file name, for example `aio-2025-07`.
    pub name: String,
    /// BLAKE3 of the rules file's bytes as built into the binary.
    pub hash: Hash32,
}

/// The circuit, by name and hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitRef {
    /// Circuit name.
    pub name: String,
    /// The circuit's canonical hash.
    pub hash: Hash32,
}

/// The policy parameters the approvers choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Flag when net income ≤ norm × (1 + tolerance_bp / 10 000).
    pub tolerance_bp: u32,
    /// The home-equity rule.
    pub home_rule: HomeRule,
}

impl Policy {
    /// The circuit's policy type.
    pub fn to_aio(self) -> samen_circuits::aio::Policy {
        samen_circuits::aio::Policy {
            tolerance_bp: u64::from(self.tolerance_bp),
            home_rule: match self.home_rule {
                HomeRule::Loan => samen_circuits::aio::HomeRule::Loan,
                HomeRule::Count => samen_circuits::aio::HomeRule::Count,
            },
        }
    }
}

/// How rows are matched across parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Linkage {
    /// The mode.
    pub mode: LinkageMode,
    /// Aligned mode: the number of SVB households, if fixed in advance. When present,
    /// every party's file must have exactly this many rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<u64>,
    /// Linked mode: dummy rows each party appends to its table before linkage, as
    /// `[svb, uwv, bd]`, to blur the table sizes the linkage discloses (the match profiles
    /// are not blurred: dummy keys never match). At most [`MAX_PADDING_ROWS`] each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<[u64; 3]>,
}

/// Largest number of dummy rows a job may ask one party to add.
pub const MAX_PADDING_ROWS: u64 = 10_000_000;

/// Who learns what.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputPolicy {
    /// The party that learns the per-household flags: always `svb`.
    pub flags_to: PartyName,
    /// Whether all three parties learn the number of flagged households.
    pub count_to_all: bool,
}

/// A party written by short name (`svb`, `uwv`, `bd`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartyName(pub PartyId);

impl Serialize for PartyName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.short_name())
    }
}

impl<'de> Deserialize<'de> for PartyName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "svb" | "uwv" | "bd" => Ok(PartyName(PartyId::parse(&s).expect("listed"))),
            _ => Err(serde::de::Error::custom("expected `svb`, `uwv` or `bd`")),
        }
    }
}

/// The three parties' input schemas.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// SVB.
    pub svb: InputSchema,
    /// UWV.
    pub uwv: InputSchema,
    /// Belastingdienst.
    pub bd: InputSchema,
}

impl Inputs {
    /// The schema of `party`.
    pub fn of(&self, party: PartyId) -> &InputSchema {
        match party.index() {
            0 => &self.svb,
            1 => &self.uwv,
            _ => &self.bd,
        }
    }
}

/// A parsed job file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// Always [`JOB_FORMAT`].
    pub format: String,
    /// The single-use job id.
    pub job_id: JobId,
    /// A sentence for the approvers (free text).
    pub description: String,
    /// The security model.
    pub security_mode: JobSecurityMode,
    /// The federation this job is for.
    pub federation_fingerprint: Hash32,
    /// The rules file.
    pub rules: RulesRef,
    /// The circuit.
    pub circuit: CircuitRef,
    /// Policy parameters.
    pub policy: Policy,
    /// Linkage mode.
    pub linkage: Linkage,
    /// Who learns what.
    pub output: OutputPolicy,
    /// Input schemas.
    pub inputs: Inputs,
}

/// Why a job file was refused.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The file could not be read, or is too large.
    #[error(transparent)]
    Read(#[from] crate::fsutil::ReadError),
    /// Not valid TOML or not the expected fields.
    #[error("job file: {0}")]
    Syntax(String),
    /// A field has a value this version does not accept.
    #[error("job file: `{field}` {reason}")]
    Invalid {
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The job is for another federation.
    #[error("job file is for federation {job}, but this federation's fingerprint is {actual}")]
    FederationMismatch {
        /// The job's fingerprint.
        job: Hash32,
        /// The federation's.
        actual: Hash32,
    },
    /// The rules file is not built into this binary.
    #[error("rules `{name}` are not built into this samen binary (known: {known})")]
    UnknownRules {
        /// The name asked for.
        name: String,
        /// The built-in names, comma-separated.
        known: String,
    },
    /// A hash in the job differs from what this binary computes.
    #[error("{what} hash in the job ({job}) differs from the one this node computes ({actual}); refusing the job")]
    HashMismatch {
        /// `rules` or `circuit`.
        what: &'static str,
        /// The job's value.
        job: Hash32,
        /// This node's value.
        actual: Hash32,
    },
    /// The circuit could not be built.
    #[error("cannot build the circuit: {0}")]
    Circuit(String),
}

/// The choices `samen job new` takes.
#[derive(Clone, Debug)]
pub struct JobParams {
    /// Rules file name.
    pub rules: String,
    /// Tolerance in basis points.
    pub tolerance_bp: u32,
    /// Home-equity rule.
    pub home_rule: HomeRule,
    /// Whether all three learn the flagged count.
    pub count_to_all: bool,
    /// Linkage mode.
    pub linkage: LinkageMode,
    /// Aligned mode: the number of households, if fixed.
    pub households: Option<u64>,
    /// Linked mode: dummy rows per party (`[svb, uwv, bd]`), if any.
    pub padding: Option<[u64; 3]>,
}

impl Default for JobParams {
    fn default() -> Self {
        JobParams {
            rules: String::new(),
            tolerance_bp: 0,
            home_rule: HomeRule::Loan,
            count_to_all: false,
            linkage: LinkageMode::Aligned,
            households: None,
            padding: None,
        }
    }
}

/// BLAKE3 of a job file's exact bytes: what the nodes compare when they connect.
pub fn job_hash(job_bytes: &[u8]) -> [u8; 32] {
    *blake3::hash(job_bytes).as_bytes()
}

impl Job {
    /// A new job with a fresh id for `federation`, the built-in rules `params.rules`, the
    /// default (widest) input schemas, and the circuit hash this binary computes.
    pub fn new(federation: &Federation, params: &JobParams) -> Result<Job, JobError> {
        let rules_hash = builtin_rules_hash(&params.rules)?;
        let mut job = Job::from_parts(federation, params, Hash32(rules_hash), Hash32([0; 32]))?;
        job.circuit.hash = Hash32(expected_circuit_hash(&job)?);
        Ok(job)
    }

    /// A new job with a fresh id and the given rules and circuit hashes, without
    /// consulting the built-in rules or the circuit compiler. [`Job::check_against`]
    /// still checks both before a node runs it.
    pub fn from_parts(
        federation: &Federation,
        params: &JobParams,
        rules_hash: Hash32,
        circuit_hash: Hash32,
    ) -> Result<Job, JobError> {
        let mode = params.linkage;
        let job = Job {
            format: JOB_FORMAT.into(),
            job_id: JobId::random(),
            description: format!(
                "AIO screening with rules {}: flag households probably entitled to AIO so the SVB can invite them to apply",
                params.rules
            ),
            security_mode: JobSecurityMode::SemiHonest,
            federation_fingerprint: Hash32(federation.fingerprint()),
            rules: RulesRef { name: params.rules.clone(), hash: rules_hash },
            circuit: CircuitRef { name: AIO_CIRCUIT_NAME.into(), hash: circuit_hash },
            policy: Policy { tolerance_bp: params.tolerance_bp, home_rule: params.home_rule },
            linkage: Linkage { mode, households: params.households, padding: params.padding },
            output: OutputPolicy { flags_to: PartyName(PartyId::SVB), count_to_all: params.count_to_all },
            inputs: Inputs {
                svb: expected_schema(PartyId::SVB, mode),
                uwv: expected_schema(PartyId::UWV, mode),
                bd: expected_schema(PartyId::BELASTINGDIENST, mode),
            },
        };
        job.validate()?;
        Ok(job)
    }

    /// Parses and validates a job file's bytes (see [`Job::validate`]).
    pub fn parse(bytes: &[u8]) -> Result<Job, JobError> {
        if bytes.len() as u64 > MAX_JOB_BYTES {
            return Err(JobError::Syntax(format!(
                "larger than {MAX_JOB_BYTES} bytes"
            )));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| JobError::Syntax("not UTF-8".into()))?;
        let job: Job = toml::from_str(text)
            .map_err(|e| JobError::Syntax(e.to_string().trim_end().to_string()))?;
        job.validate()?;
        Ok(job)
    }

    /// Reads a job file; returns the job and its exact bytes (for approvals and the hash).
    pub fn load(path: &Path) -> Result<(Job, Vec<u8>), JobError> {
        let bytes = crate::fsutil::read_bounded(path, MAX_JOB_BYTES)?;
        let job = Job::parse(&bytes)?;
        Ok((job, bytes))
    }

    /// Structural checks that need nothing but the file: the format, the output policy,
    /// the tolerance, the linkage and that every input schema fits the circuit.
    pub fn validate(&self) -> Result<(), JobError> {
        let invalid = |field: &str, reason: String| JobError::Invalid {
            field: field.into(),
            reason,
        };
        if self.format != JOB_FORMAT {
            return Err(invalid(
                "format",
                format!("is `{}`; this samen reads `{JOB_FORMAT}`", self.format),
            ));
        }
        if self.security_mode == JobSecurityMode::Malicious {
            return Err(invalid(
                "security_mode",
                "is `malicious`, but malicious mode is not available in this version: \
                 its checks do not exist yet, so this samen runs semi-honest jobs only"
                    .into(),
            ));
        }
        if self.description.len() > 1000
            || self
                .description
                .chars()
                .any(|c| c.is_control() && c != '\n')
        {
            return Err(invalid(
                "description",
                "must be at most 1000 printable characters".into(),
            ));
        }
        if self.policy.tolerance_bp > MAX_TOLERANCE_BP {
            return Err(invalid(
                "policy.tolerance_bp",
                format!("must be at most {MAX_TOLERANCE_BP} basis points"),
            ));
        }
        if self.output.flags_to.0 != PartyId::SVB {
            return Err(invalid(
                "output.flags_to",
                "must be `svb`: only the SVB may learn per-household flags".into(),
            ));
        }
        if self.circuit.name != AIO_CIRCUIT_NAME {
            return Err(invalid(
                "circuit.name",
                format!("must be `{AIO_CIRCUIT_NAME}`"),
            ));
        }
        if let Some(padding) = self.linkage.padding {
            if self.linkage.mode != LinkageMode::Linked {
                return Err(invalid(
                    "linkage.padding",
                    "is only for the linked mode".into(),
                ));
            }
            if padding.iter().any(|&p| p > MAX_PADDING_ROWS) {
                return Err(invalid(
                    "linkage.padding",
                    format!("at most {MAX_PADDING_ROWS} dummy rows per party"),
                ));
            }
        }
        if self.linkage.households.is_some() && self.linkage.mode != LinkageMode::Aligned {
            return Err(invalid(
                "linkage.households",
                "applies to aligned mode only".into(),
            ));
        }
        if self.linkage.households == Some(0) {
            return Err(invalid("linkage.households", "must be at least 1".into()));
        }
        for party in PartyId::ALL {
            self.inputs
                .of(party)
                .check_compatible(&expected_schema(party, self.linkage.mode))
                .map_err(|r| invalid(&format!("inputs.{}", party.short_name()), r.to_string()))?;
        }
        Ok(())
    }

    /// Checks the job against this node: the federation fingerprint, the built-in rules
    /// hash and the circuit hash this binary compiles. A node runs only jobs that pass.
    pub fn check_against(&self, federation: &Federation) -> Result<(), JobError> {
        crate::run::circuit::compile_checked(self, federation).map(|_| ())
    }

    /// The job as TOML, the bytes `samen job new` writes.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).expect("a job always serialises");
        format!(
            "# Samen job file. Review it with `samen job show`; approvals sign these exact bytes,\n\
             # so any change (even whitespace) invalidates them.\n\n{body}"
        )
    }
}

/// The rules files built into this binary, by name.
pub fn builtin_rules_names() -> Vec<String> {
    circuit::rules_names()
}

/// BLAKE3 of the built-in rules file `name` (its exact bytes).
pub fn builtin_rules_hash(name: &str) -> Result<[u8; 32], JobError> {
    circuit::rules_hash(name).map_err(|e| match e {
        samen_circuits::aio::RulesError::Unknown { name, known } => {
            JobError::UnknownRules { name, known }
        }
        e => JobError::Invalid {
            field: "rules.name".into(),
            reason: e.to_string(),
        },
    })
}

/// The hash of the circuit a node compiles for `job`: the AIO circuit built from the
/// job's rules and policy (tolerance, home-equity rule) and optimised, as compiled by
/// [`crate::run::circuit::job_circuit`] — the one definition the node also executes. The
/// rules hash and the policy are annotations of the circuit, so this hash covers them too.
pub fn expected_circuit_hash(job: &Job) -> Result<[u8; 32], JobError> {
    Ok(crate::run::circuit::job_circuit(job)?.hash().0)
}
