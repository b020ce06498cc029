//! `streamstack.toml`: named environments whose values are the defaults of the command line.
//!
//! ```toml
//! default-env = "dev"            # optional: the environment used without --env
//!
//! [env.dev]
//! pattern = "kds-kdf-s3"
//! stack-name = "ingest-dev"
//! region = "eu-west-1"
//! parameters = { ShardCount = 1 }
//! tags = { team = "data" }
//! notification-arn = ["arn:aws:sns:eu-west-1:123456789012:ops"]   # a list key
//! ```
//!
//! The file is `./streamstack.toml`, or `--config FILE`; the environment is `--env NAME`, else
//! the file's `default-env`. Every key of an environment is the name of the flag it stands for, and
//! its value becomes that flag's default ([`apply`]): a flag on the command line wins over the
//! file, and the file wins over the built-in defaults (for `region` and `profile` also over
//! `AWS_REGION`/`AWS_PROFILE`, as a flag does). Each key is applied to every command that calls AWS
//! (has `--region`) and has the flag, so a new command gets the file's values by naming its
//! arguments like the others (`stack_name` or `stack`, `pattern`, `bucket`, ...).
//!
//! `parameters` and `tags` are merged key by key ([`Inputs`]): the file's environment, then
//! `--param-file` (the flag's or the environment's `param-file`), then `--param`/`--tag`, each
//! winning over the ones before it.
//!
//! Every mistake is a [`UsageError`] on one line: an unknown key names the key and the allowed
//! ones, bad TOML gives `FILE:LINE`, an unknown environment lists the ones the file has.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{Deserializer, Visitor};
use serde::Deserialize;

use crate::error::UsageError;

/// The name of the config file looked for in the working directory.
pub const FILE_NAME: &str = "streamstack.toml";

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// The environment used when `--env` is not given.
    pub default_env: Option<String>,
    /// The environments, by name (`[env.NAME]`).
    #[serde(default)]
    pub env: BTreeMap<String, Environment>,
}

/// One `[env.NAME]` table. Each key is the long name of the flag whose default it sets.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Environment {
    /// `--stack-name` (deploy), the STACK argument (destroy, status, start, stop, ...).
    pub stack_name: Option<String>,
    /// The PATTERN argument (deploy; upload's list of patterns).
    pub pattern: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--bucket`: the asset bucket.
    pub bucket: Option<String>,
    /// `--prefix`: the key prefix in the asset bucket.
    pub prefix: Option<String>,
    /// `--assets-dir`; relative to the config file's folder.
    pub assets_dir: Option<PathBuf>,
    /// `--param-file`; relative to the config file's folder.
    pub param_file: Option<PathBuf>,
    /// `--role-arn` (deploy, destroy, rollback): the CloudFormation service role.
    pub role_arn: Option<String>,
    /// `--notification-arn` (deploy): the SNS topics that get the stack's events (a list).
    #[serde(default)]
    pub notification_arn: Vec<String>,
    /// `--on-failure` (deploy): `rollback` or `keep`.
    pub on_failure: Option<String>,
    /// Stack parameters, below `--param-file` and `--param`.
    #[serde(default)]
    pub parameters: BTreeMap<String, Scalar>,
    /// Stack tags, below the tags of `--param-file` and `--tag`.
    #[serde(default)]
    pub tags: BTreeMap<String, Scalar>,
}

/// Which arguments (clap ids: the field names of the commands' argument structs) each key of an
/// environment but `parameters` and `tags` is the default of. Adding a key is one row here, one
/// field above and one value in [`Environment::values`].
const ARGS: &[(&str, &[&str])] = &[
    ("stack-name", &["stack_name", "stack"]),
    ("pattern", &["pattern", "patterns"]),
    ("region", &["region"]),
    ("profile", &["profile"]),
    ("bucket", &["bucket"]),
    ("prefix", &["prefix"]),
    ("assets-dir", &["assets_dir"]),
    ("param-file", &["param_file"]),
    ("role-arn", &["role_arn"]),
    ("notification-arn", &["notification_arns"]),
    ("on-failure", &["on_failure"]),
];

/// A parameter or tag value: a TOML string, integer, float or boolean, sent as its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The parameters and tags of the chosen environment, for the commands that take `--param` and
/// `--tag`: the lowest layer, under `--param-file` and the flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// Parameter values.
    pub parameters: BTreeMap<String, String>,
    /// Stack tags.
    pub tags: BTreeMap<String, String>,
}

impl Environment {
    /// The keys that are set, as (key, values) in [`ARGS`] order: one value for a scalar key,
    /// the items of a list (`notification-arn`).
    pub fn values(&self) -> Vec<(&'static str, Vec<String>)> {
        let one = |v: &Option<String>| v.iter().cloned().collect::<Vec<_>>();
        let path = |p: &Option<PathBuf>| p.iter().map(|p| p.display().to_string()).collect();
        // As many values as ARGS has rows, or this does not compile.
        let values: [Vec<String>; ARGS.len()] = [
            one(&self.stack_name),
            one(&self.pattern),
            one(&self.region),
            one(&self.profile),
            one(&self.bucket),
            one(&self.prefix),
            path(&self.assets_dir),
            path(&self.param_file),
            one(&self.role_arn),
            self.notification_arn.clone(),
            one(&self.on_failure),
        ];
        ARGS.iter()
            .zip(values)
            .filter(|(_, v)| !v.is_empty())
            .map(|((key, _), v)| (*key, v))
            .collect()
    }

    /// The parameters and tags as text.
    pub fn inputs(&self) -> Inputs {
        let text = |m: &BTreeMap<String, Scalar>| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        Inputs {
            parameters: text(&self.parameters),
            tags: text(&self.tags),
        }
    }

    /// Makes the relative paths of the environment relative to `dir` (the config file's folder).
    fn rebase_paths(&mut self, dir: &Path) {
        for p in [&mut self.assets_dir, &mut self.param_file]
            .into_iter()
            .flatten()
        {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
    }
}

/// One line for a TOML error: `FILE:LINE: message`, with the table it is in.
fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> UsageError {
    let message = err
        .message()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        // serde's words for deny_unknown_fields, in the tool's words.
        .replacen("unknown field `", "unknown key `", 1)
        .replacen(", expected one of ", "; allowed: ", 1)
        .replacen(", there are no fields", "; allowed: none", 1);
    let Some(span) = err.span() else {
        return UsageError(format!("{}: {message}", path.display()));
    };
    let before = text.get(..span.start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let table = before
        .lines()
        .rev()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .find(|l| l.starts_with('['))
        .map(|t| format!(" (in {t})"))
        .unwrap_or_default();
    UsageError(format!("{}:{line}: {message}{table}", path.display()))
}

impl ConfigFile {
    /// Parses the text of a config file; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, UsageError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        if let Some(d) = &file.default_env {
            if !file.env.contains_key(d) {
                return Err(UsageError(format!(
                    "{}: default-env `{d}` is not an environment of the file; allowed: {}",
                    path.display(),
                    file.names()
                )));
            }
        }
        Ok(file)
    }

    /// Reads and parses a config file.
    pub fn read(path: &Path) -> Result<ConfigFile, UsageError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            UsageError(format!("cannot read config file `{}`: {e}", path.display()))
        })?;
        ConfigFile::parse(&text, path)
    }

    /// The environment names, for error messages.
    fn names(&self) -> String {
        if self.env.is_empty() {
            "none ([env.NAME] tables)".to_string()
        } else {
            self.env.keys().cloned().collect::<Vec<_>>().join(", ")
        }
    }

    /// The environment `name`, else the `default-env`, else none.
    pub fn select(
        &self,
        name: Option<&str>,
        path: &Path,
    ) -> Result<Option<&Environment>, UsageError> {
        let Some(name) = name.or(self.default_env.as_deref()) else {
            return Ok(None);
        };
        self.env.get(name).map(Some).ok_or_else(|| {
            UsageError(format!(
                "--env: no environment `{name}` in {}; allowed: {}",
                path.display(),
                self.names()
            ))
        })
    }
}

/// What the command line says about the config file, read before clap parses it (the file
/// decides clap's defaults): `--config`, `--env` and the subcommand's name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--env NAME`.
    pub env: Option<String>,
    /// The first word that is not a flag: the subcommand.
    pub subcommand: Option<String>,
}

/// Finds `--config`, `--env` (both global: before or after the subcommand, `--x V` or `--x=V`)
/// and the subcommand in the command line (without the program name); stops at `--`. A flag
/// without its value is left for clap to report.
pub fn scan(args: &[OsString]) -> Selection {
    let mut out = Selection::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some(s) = arg.to_str() else { continue };
        match s {
            "--" => break,
            "--config" => out.config = it.next().map(PathBuf::from),
            "--env" => out.env = it.next().and_then(|v| v.to_str()).map(str::to_string),
            _ => {
                if let Some(v) = s.strip_prefix("--config=") {
                    out.config = Some(PathBuf::from(v));
                } else if let Some(v) = s.strip_prefix("--env=") {
                    out.env = Some(v.to_string());
                } else if out.subcommand.is_none() && !s.starts_with('-') {
                    out.subcommand = Some(s.to_string());
                }
            }
        }
    }
    out
}

/// Whether a command takes the file's values: the commands that call AWS (have `--region`).
pub fn honours(cmd: &clap::Command) -> bool {
    cmd.get_arguments().any(|a| a.get_id() == "region")
}

/// Loads the environment the command line selects: `--config FILE` (which must exist) or
/// `cwd/streamstack.toml` when it exists, read only when `--config`/`--env` is given or the
/// subcommand honours the file (so a broken file does not stop `synth`); then `--env` or the
/// file's `default-env`. Relative paths in the environment are made relative to the file's folder.
pub fn load(
    selection: &Selection,
    cwd: &Path,
    root: &clap::Command,
) -> Result<Option<Environment>, UsageError> {
    let honoured = selection
        .subcommand
        .as_deref()
        .and_then(|name| root.find_subcommand(name))
        .is_some_and(honours);
    let path = match &selection.config {
        Some(p) => cwd.join(p),
        None => {
            let p = cwd.join(FILE_NAME);
            if !p.is_file() {
                return match &selection.env {
                    Some(name) => Err(UsageError(format!(
                        "--env {name}: no config file: {FILE_NAME} not found in {}; pass --config FILE",
                        cwd.display()
                    ))),
                    None => Ok(None),
                };
            }
            if !honoured && selection.env.is_none() {
                return Ok(None);
            }
            p
        }
    };
    let shown = selection
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(FILE_NAME));
    let text = std::fs::read_to_string(&path).map_err(|e| {
        UsageError(format!(
            "cannot read config file `{}`: {e}",
            shown.display()
        ))
    })?;
    let file = ConfigFile::parse(&text, &shown)?;
    let Some(env) = file.select(selection.env.as_deref(), &shown)? else {
        return Ok(None);
    };
    let mut env = env.clone();
    env.rebase_paths(path.parent().unwrap_or(cwd));
    Ok(Some(env))
}

/// Makes the environment's values the defaults of every subcommand that honours the file and
/// has the argument: flags given on the command line still win, and a required argument
/// (deploy's PATTERN and `--stack-name`, a STACK) the file sets may be left out.
pub fn apply(root: clap::Command, env: &Environment) -> clap::Command {
    let values = env.values();
    let names: Vec<String> = root
        .get_subcommands()
        .filter(|c| honours(c))
        .map(|c| c.get_name().to_string())
        .collect();
    let mut root = root;
    for name in names {
        root = root.mut_subcommand(name, |mut sub| {
            for (key, value) in &values {
                let ids = ARGS
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, ids)| *ids)
                    .unwrap_or_default();
                for id in ids {
                    if sub.get_arguments().any(|a| a.get_id() == *id) {
                        let value = value.clone();
                        // Neither required nor required unless another is given (deploy's
                        // PATTERN unless --pattern-file): the file's value stands for it.
                        sub = sub.mut_arg(*id, |a| {
                            a.default_values(value)
                                .required(false)
                                .required_unless_present(
                                    clap::builder::Resettable::<clap::Id>::Reset,
                                )
                        });
                        // A required group ("one of --stream, --stack") is satisfied by the file
                        // too (clap counts only given arguments for it).
                        let groups: Vec<String> = sub
                            .get_groups()
                            .filter(|g| g.is_required_set() && g.get_args().any(|a| a == id))
                            .map(|g| g.get_id().to_string())
                            .collect();
                        for g in groups {
                            sub = sub.mut_group(g, |g| g.required(false));
                        }
                    }
                }
            }
            sub
        });
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction, Command};

    fn parse(text: &str) -> Result<ConfigFile, String> {
        ConfigFile::parse(text, Path::new("streamstack.toml")).map_err(|e| e.0)
    }

    const SAMPLE: &str = r#"
default-env = "dev"

[env.dev]
pattern = "kds-kdf-s3"
stack-name = "ingest-dev"
region = "eu-west-1"
parameters = { ShardCount = 2, BufferingInterval = "120", Flag = true, Ratio = 0.5 }
tags = { team = "data" }

[env.prod]
pattern = "kds-kdf-s3"
stack-name = "ingest"
profile = "prod"
bucket = "my-assets"
prefix = "p/"
param-file = "params/prod.json"
assets-dir = "/abs/assets"
"#;

    #[test]
    fn a_file_with_two_environments_parses() {
        let f = parse(SAMPLE).unwrap();
        assert_eq!(f.default_env.as_deref(), Some("dev"));
        let dev = &f.env["dev"];
        assert_eq!(dev.stack_name.as_deref(), Some("ingest-dev"));
        let inputs = dev.inputs();
        assert_eq!(
            inputs.parameters.into_iter().collect::<Vec<_>>(),
            [
                ("BufferingInterval".into(), "120".into()),
                ("Flag".into(), "true".into()),
                ("Ratio".into(), "0.5".into()),
                ("ShardCount".into(), "2".into()),
            ]
        );
        assert_eq!(inputs.tags["team"], "data");
        assert_eq!(
            f.env["prod"].values(),
            [
                ("stack-name", vec!["ingest".to_string()]),
                ("pattern", vec!["kds-kdf-s3".to_string()]),
                ("profile", vec!["prod".to_string()]),
                ("bucket", vec!["my-assets".to_string()]),
                ("prefix", vec!["p/".to_string()]),
                ("assets-dir", vec!["/abs/assets".to_string()]),
                ("param-file", vec!["params/prod.json".to_string()]),
            ]
        );
        assert_eq!(parse("").unwrap(), ConfigFile::default());
    }

    #[test]
    fn every_key_of_an_environment_maps_to_flags() {
        // Keys in `Environment`, `ARGS` and `values()` must agree: a key with no row would be
        // silently ignored.
        let full = Environment {
            stack_name: Some("a".into()),
            pattern: Some("a".into()),
            region: Some("a".into()),
            profile: Some("a".into()),
            bucket: Some("a".into()),
            prefix: Some("a".into()),
            assets_dir: Some("a".into()),
            param_file: Some("a".into()),
            role_arn: Some("a".into()),
            notification_arn: vec!["a".into()],
            on_failure: Some("a".into()),
            ..Environment::default()
        };
        let keys: Vec<&str> = full.values().into_iter().map(|(k, _)| k).collect();
        let rows: Vec<&str> = ARGS.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, rows);
    }

    #[test]
    fn unknown_keys_name_the_key_the_allowed_ones_and_the_line() {
        let e = parse("[env.dev]\npattern = \"x\"\nstak-name = \"s\"\n").unwrap_err();
        assert!(
            e.starts_with("streamstack.toml:3: ")
                && e.contains("`stak-name`")
                && e.contains("(in [env.dev])"),
            "{e}"
        );
        for allowed in [
            "stack-name",
            "pattern",
            "region",
            "profile",
            "bucket",
            "prefix",
            "assets-dir",
            "param-file",
            "role-arn",
            "notification-arn",
            "on-failure",
            "parameters",
            "tags",
        ] {
            assert!(
                e.contains(&format!("`{allowed}`")),
                "{allowed} missing: {e}"
            );
        }
        assert!(!e.contains('\n'), "one line: {e}");

        let e = parse("defaultenv = \"dev\"\n").unwrap_err();
        assert!(
            e.starts_with("streamstack.toml:1: ")
                && e.contains("`defaultenv`")
                && e.contains("`default-env`")
                && e.contains("`env`"),
            "{e}"
        );
        // A table of environments with a key where an environment should be.
        let e = parse("[env]\nstack-name = \"s\"\n").unwrap_err();
        assert!(e.starts_with("streamstack.toml:2: "), "{e}");
    }

    #[test]
    fn bad_toml_and_bad_values_give_file_and_line() {
        let e = parse("[env.dev]\npattern = \n").unwrap_err();
        assert!(e.starts_with("streamstack.toml:2: "), "{e}");
        assert!(!e.contains('\n'), "one line: {e}");
        let e = parse("[env.dev]\n\nparameters = { A = [1, 2] }\n").unwrap_err();
        assert!(
            e.starts_with("streamstack.toml:3: ") && e.contains("a string, number or boolean"),
            "{e}"
        );
        let e = parse("[env.dev]\nregion = 3\n").unwrap_err();
        assert!(
            e.starts_with("streamstack.toml:2: ") && e.contains("string"),
            "{e}"
        );
    }

    #[test]
    fn environments_are_chosen_by_name_or_default_env() {
        let f = parse(SAMPLE).unwrap();
        let p = Path::new("streamstack.toml");
        assert_eq!(
            f.select(None, p).unwrap().unwrap().stack_name.as_deref(),
            Some("ingest-dev")
        );
        assert_eq!(
            f.select(Some("prod"), p)
                .unwrap()
                .unwrap()
                .stack_name
                .as_deref(),
            Some("ingest")
        );
        let e = f.select(Some("stage"), p).unwrap_err().0;
        assert_eq!(
            e,
            "--env: no environment `stage` in streamstack.toml; allowed: dev, prod"
        );
        let no_default = parse("[env.a]\n").unwrap();
        assert_eq!(no_default.select(None, p).unwrap(), None);
        let e = parse("default-env = \"x\"\n[env.a]\n").unwrap_err();
        assert!(
            e.contains("default-env `x`") && e.ends_with("allowed: a"),
            "{e}"
        );
    }

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_scan_finds_global_flags_anywhere_and_the_subcommand() {
        assert_eq!(
            scan(&os(&[
                "--env",
                "prod",
                "deploy",
                "--param",
                "A=1",
                "--config=x.toml"
            ])),
            Selection {
                config: Some("x.toml".into()),
                env: Some("prod".into()),
                subcommand: Some("deploy".into()),
            }
        );
        assert_eq!(
            scan(&os(&["status", "--env=dev", "--", "--env", "no"])),
            Selection {
                config: None,
                env: Some("dev".into()),
                subcommand: Some("status".into()),
            }
        );
        assert_eq!(scan(&os(&["deploy", "--env"])).env, None);
    }

    fn root() -> Command {
        let aws = |c: Command| c.arg(Arg::new("region").long("region"));
        Command::new("t")
            .subcommand(aws(Command::new("deploy")
                .arg(Arg::new("pattern").required(true))
                .arg(Arg::new("stack_name").long("stack-name").required(true))
                .arg(
                    Arg::new("prefix")
                        .long("prefix")
                        .default_value("streamstack/"),
                )))
            .subcommand(aws(
                Command::new("status").arg(Arg::new("stack").required(true))
            ))
            .subcommand(aws(Command::new("tail")
                .arg(Arg::new("stream").long("stream").conflicts_with("stack"))
                .arg(Arg::new("stack").long("stack"))
                .group(
                    clap::ArgGroup::new("source")
                        .args(["stream", "stack"])
                        .required(true),
                )))
            .subcommand(aws(
                Command::new("upload").arg(Arg::new("patterns").action(ArgAction::Append))
            ))
            .subcommand(Command::new("synth").arg(Arg::new("patterns").action(ArgAction::Append)))
    }

    fn env() -> Environment {
        parse(SAMPLE).unwrap().env["dev"].clone()
    }

    fn get(m: &clap::ArgMatches, sub: &str, id: &str) -> Option<String> {
        m.subcommand_matches(sub)
            .and_then(|s| s.get_many::<String>(id))
            .map(|v| v.cloned().collect::<Vec<_>>().join(","))
    }

    #[test]
    fn the_environment_fills_what_the_command_line_leaves_out() {
        let cmd = apply(root(), &env());
        cmd.clone().debug_assert();
        let m = cmd.clone().try_get_matches_from(["t", "deploy"]).unwrap();
        assert_eq!(get(&m, "deploy", "pattern").as_deref(), Some("kds-kdf-s3"));
        assert_eq!(
            get(&m, "deploy", "stack_name").as_deref(),
            Some("ingest-dev")
        );
        assert_eq!(get(&m, "deploy", "region").as_deref(), Some("eu-west-1"));
        // A built-in default the file does not set stays.
        assert_eq!(get(&m, "deploy", "prefix").as_deref(), Some("streamstack/"));

        // Flags win over the file.
        let m = cmd
            .clone()
            .try_get_matches_from([
                "t",
                "deploy",
                "other",
                "--stack-name",
                "s",
                "--region",
                "us-east-1",
            ])
            .unwrap();
        assert_eq!(get(&m, "deploy", "pattern").as_deref(), Some("other"));
        assert_eq!(get(&m, "deploy", "stack_name").as_deref(), Some("s"));
        assert_eq!(get(&m, "deploy", "region").as_deref(), Some("us-east-1"));

        let m = cmd.clone().try_get_matches_from(["t", "status"]).unwrap();
        assert_eq!(get(&m, "status", "stack").as_deref(), Some("ingest-dev"));
        let m = cmd.clone().try_get_matches_from(["t", "upload"]).unwrap();
        assert_eq!(get(&m, "upload", "patterns").as_deref(), Some("kds-kdf-s3"));
        let m = cmd
            .clone()
            .try_get_matches_from(["t", "upload", "a", "b"])
            .unwrap();
        assert_eq!(get(&m, "upload", "patterns").as_deref(), Some("a,b"));
        // A command that does not call AWS is left alone.
        let m = cmd.clone().try_get_matches_from(["t", "synth"]).unwrap();
        assert_eq!(get(&m, "synth", "patterns"), None);
        // Without the file the arguments stay required.
        assert!(root().try_get_matches_from(["t", "deploy"]).is_err());
    }

    #[test]
    fn an_explicit_alternative_to_a_filled_argument_is_not_a_conflict() {
        // `tail --stream S` with an environment that names a stack: the stream given wins; the
        // stack's default must not make clap refuse the line.
        let cmd = apply(root(), &env());
        let m = cmd
            .clone()
            .try_get_matches_from(["t", "tail", "--stream", "s"])
            .unwrap();
        assert_eq!(get(&m, "tail", "stream").as_deref(), Some("s"));
        let m = cmd.try_get_matches_from(["t", "tail"]).unwrap();
        assert_eq!(get(&m, "tail", "stack").as_deref(), Some("ingest-dev"));
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn text() -> impl Strategy<Value = String> {
            let line = prop_oneof![
                Just("[env.dev]".to_string()),
                Just("[env]".to_string()),
                "(stack-name|pattern|region|parameters|tags|default-env|x) = (\"a\"|1|\\{ A = 1 \\}|\\[1\\]|true|)"
                    .prop_map(|s: String| s),
                "\\PC{0,20}".prop_map(|s: String| s),
            ];
            prop_oneof![
                "\\PC{0,200}".prop_map(|s: String| s),
                proptest::collection::vec(line, 0..8).prop_map(|l| l.join("\n")),
            ]
        }

        proptest! {
            /// Any text, and text built from the file's own vocabulary, parses or fails with
            /// one line naming the file: never a panic, never a multi-line error.
            #[test]
            fn any_text_parses_or_fails_on_one_line(
                text in text(),
                args in proptest::collection::vec("(--env|--config|--env=x|--|deploy|-h|\\PC{0,5})", 0..6),
            ) {
                if let Err(e) = ConfigFile::parse(&text, Path::new("streamstack.toml")) {
                    prop_assert!(e.0.starts_with("streamstack.toml"), "{}", e.0);
                    prop_assert!(!e.0.contains('\n'), "{}", e.0);
                }
                let _ = scan(&args.iter().map(OsString::from).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn loading_follows_the_selection_and_rebases_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        let sel = |env: Option<&str>, config: Option<&str>, sub: &str| Selection {
            env: env.map(str::to_string),
            config: config.map(PathBuf::from),
            subcommand: Some(sub.to_string()),
        };
        // No file: nothing, unless --env asks for one.
        assert_eq!(
            load(&sel(None, None, "deploy"), cwd, &root()).unwrap(),
            None
        );
        let e = load(&sel(Some("dev"), None, "deploy"), cwd, &root())
            .unwrap_err()
            .0;
        assert!(
            e.starts_with("--env dev: no config file: streamstack.toml not found"),
            "{e}"
        );
        let e = load(&sel(None, Some("nope.toml"), "deploy"), cwd, &root())
            .unwrap_err()
            .0;
        assert!(
            e.starts_with("cannot read config file `nope.toml`: "),
            "{e}"
        );

        std::fs::write(cwd.join(FILE_NAME), SAMPLE).unwrap();
        let prod = load(&sel(Some("prod"), None, "deploy"), cwd, &root())
            .unwrap()
            .unwrap();
        assert_eq!(prod.param_file, Some(cwd.join("params/prod.json")));
        assert_eq!(prod.assets_dir, Some(PathBuf::from("/abs/assets")));
        let dev = load(&sel(None, None, "status"), cwd, &root())
            .unwrap()
            .unwrap();
        assert_eq!(dev.stack_name.as_deref(), Some("ingest-dev"));

        // A broken implicit file does not stop a command that does not use it.
        std::fs::write(cwd.join(FILE_NAME), "[env.dev]\nnope = 1\n").unwrap();
        assert_eq!(load(&sel(None, None, "synth"), cwd, &root()).unwrap(), None);
        let e = load(&sel(None, None, "deploy"), cwd, &root())
            .unwrap_err()
            .0;
        assert!(e.starts_with("streamstack.toml:2: "), "{e}");

        // --config in another folder: its paths are relative to that folder.
        let other = tempfile::tempdir().unwrap();
        let f = other.path().join("cfg.toml");
        std::fs::write(&f, "[env.x]\nparam-file = \"p.json\"\n").unwrap();
        let x = load(
            &sel(Some("x"), Some(f.to_str().unwrap()), "deploy"),
            cwd,
            &root(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(x.param_file, Some(other.path().join("p.json")));
    }
}
