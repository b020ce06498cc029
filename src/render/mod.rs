//! Renders a pattern: each building block's handlebars fragment becomes a piece of JSON; the
//! pieces are merged into one CloudFormation template, API Gateway deployments get ids that follow
//! the API they snapshot (see [`deployment`]), and the template is checked before anyone writes it
//! (see [`check`]).

pub mod check;
mod dashboard;
pub mod deployment;
mod rename;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use handlebars::Handlebars;
use serde_json::{json, Map, Value};

use crate::pattern::{self, sources, Manifest};

/// Errors of rendering a pattern to a checked template.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Loading the manifest or a fragment, or checking the `--param` overrides, failed.
    #[error(transparent)]
    Pattern(#[from] pattern::Error),
    /// A fragment that does not render to valid JSON.
    #[error("template fragment {file}: {message}")]
    Fragment {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The rendered template failed its checks.
    #[error("rendered template of {pattern} is invalid: {}", problems.join("; "))]
    InvalidTemplate {
        /// Pattern id.
        pattern: String,
        /// Every problem found.
        problems: Vec<String>,
    },
}

impl Error {
    /// Whether this error is the user's bad input (exit code 2) rather than a broken template
    /// (exit code 1).
    pub fn is_usage(&self) -> bool {
        match self {
            Error::Pattern(e) => e.is_usage(),
            Error::Fragment { .. } | Error::InvalidTemplate { .. } => false,
        }
    }
}

/// Where the templates load their code assets from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AssetMode {
    /// Template parameters `AssetBucket` and `AssetPrefix`: one template serves any bucket.
    #[default]
    Parameters,
    /// build-s3-dist mode: bucket `<bucket>-${AWS::Region}` and key prefix `<solution>/<version>/`
    /// baked in; the two asset parameters are dropped.
    Baked {
        /// Bucket base name (the region is appended).
        bucket: String,
        /// Solution name.
        solution: String,
        /// Solution version.
        version: String,
    },
}

/// Options of one render.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// `--param NAME=VALUE` overrides of parameter defaults (already checked by the caller or not:
    /// they are checked again here).
    pub overrides: Vec<(String, String)>,
    /// `--templates DIR`: files here replace the embedded manifests and fragments of the same name.
    pub templates_dir: Option<PathBuf>,
    /// Asset location mode.
    pub assets: AssetMode,
    /// Published file name of each asset (e.g. `consumer-function-arm64.zip` ->
    /// `consumer-function-arm64-1f2e3d4c5b6a7980.zip`), in both asset modes: each asset's key
    /// carries its own content hash, so a change to one asset changes only its key; an asset
    /// without an entry keeps its own name.
    pub asset_names: BTreeMap<String, String>,
}

/// A rendered, checked template and the code assets it loads.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The CloudFormation template.
    pub template: Value,
    /// Logical names of the assets the template references (e.g. `producer-x86_64.zip`).
    pub assets: BTreeSet<String>,
    /// Composition warnings, one line each (e.g. several readers sharing the stream's reads).
    pub warnings: Vec<String>,
}

const ASSET_PARAMETERS: [&str; 2] = ["AssetBucket", "AssetPrefix"];

/// Renders pattern `id` to a checked CloudFormation template.
pub fn render_pattern(id: &str, opts: &RenderOptions) -> Result<Value, Error> {
    let manifest = Manifest::load(id, opts.templates_dir.as_deref())?;
    render_manifest(&manifest, opts).map(|r| r.template)
}

type Prepared = (
    Manifest,
    Handlebars<'static>,
    Value,
    Arc<Mutex<BTreeSet<String>>>,
);

/// The manifest with the overrides applied, the handlebars registry and the render context.
fn prepare(manifest: &Manifest, opts: &RenderOptions) -> Result<Prepared, Error> {
    manifest.check_overrides(&opts.overrides)?;
    let mut manifest = manifest.clone();
    for (name, value) in &opts.overrides {
        if let Some(p) = manifest.parameters.iter_mut().find(|p| &p.name == name) {
            p.default = Some(value.clone());
        }
    }
    let (asset_bucket, asset_prefix) = match &opts.assets {
        AssetMode::Parameters => ("${AssetBucket}".to_string(), "${AssetPrefix}".to_string()),
        AssetMode::Baked {
            bucket,
            solution,
            version,
        } => {
            manifest
                .parameters
                .retain(|p| !ASSET_PARAMETERS.contains(&p.name.as_str()));
            (
                format!("{bucket}-${{AWS::Region}}"),
                format!("{solution}/{version}/"),
            )
        }
    };

    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(escape_json_string);
    hb.register_helper("json", Box::new(json_helper));
    let used_assets = Arc::new(Mutex::new(BTreeSet::new()));
    hb.register_helper(
        "asset_path",
        Box::new(AssetPath {
            prefix: asset_prefix.clone(),
            names: opts.asset_names.clone(),
            used: Arc::clone(&used_assets),
        }),
    );
    let blocks: Map<String, Value> = manifest
        .blocks
        .iter()
        .map(|b| (b.replace('-', "_"), Value::Bool(true)))
        .collect();
    // Both asset values are text for use inside `Fn::Sub` strings.
    let context = json!({
        "pattern": {"id": manifest.id, "description": manifest.description},
        "vars": manifest.vars,
        "blocks": blocks,
        "assets": {"bucket": asset_bucket, "prefix": asset_prefix},
    });

    Ok((manifest, hb, context, used_assets))
}

/// Renders an already loaded manifest to a checked CloudFormation template.
pub fn render_manifest(manifest: &Manifest, opts: &RenderOptions) -> Result<Rendered, Error> {
    let (manifest, hb, context, used_assets) = prepare(manifest, opts)?;
    let pieces = render_instances(&hb, &context, &manifest, opts)?;
    let mut conditions = manifest.conditions.clone();
    let mut resources = Map::new();
    let mut sections = Vec::new();
    for RenderedBlock { file, piece, .. } in pieces {
        for (key, value) in piece {
            match (key.as_str(), value) {
                ("Resources", Value::Object(m)) => merge_unique(&mut resources, m, &file)?,
                ("Conditions", Value::Object(m)) => merge_unique(&mut conditions, m, &file)?,
                ("Dashboard", Value::Array(s)) => sections.extend(s),
                (other, _) => {
                    return Err(Error::Fragment {
                        file,
                        message: format!(
                            "unexpected top-level key `{other}` (allowed: Resources, Conditions, Dashboard)"
                        ),
                    })
                }
            }
        }
    }
    add_alarm_actions(&mut resources);
    if !sections.is_empty() {
        let dashboard = dashboard::resource(&sections).map_err(|message| Error::Fragment {
            file: "dashboard sections".to_string(),
            message,
        })?;
        merge_unique(
            &mut resources,
            Map::from_iter([("Dashboard".to_string(), dashboard)]),
            "dashboard",
        )?;
    }

    simplify_subs(&mut resources);
    let mut template = Map::new();
    template.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    template.insert("Description".into(), json!(manifest.description));
    template.insert("Metadata".into(), interface(&manifest));
    template.insert("Parameters".into(), parameters(&manifest));
    if !manifest.rules.is_empty() {
        template.insert("Rules".into(), Value::Object(manifest.rules.clone()));
    }
    if !conditions.is_empty() {
        template.insert("Conditions".into(), Value::Object(conditions));
    }
    template.insert("Resources".into(), Value::Object(resources));
    if !manifest.outputs.is_empty() {
        template.insert("Outputs".into(), outputs(&manifest));
    }
    let mut template = Value::Object(template);
    deployment::suffix_deployment_ids(&mut template);
    check::check(&template).map_err(|problems| Error::InvalidTemplate {
        pattern: manifest.id.clone(),
        problems,
    })?;
    let assets = used_assets.lock().map(|a| a.clone()).unwrap_or_default();
    Ok(Rendered {
        template,
        assets,
        warnings: manifest.warnings.clone(),
    })
}

/// One block instance rendered: its fragment's `Resources`, `Conditions` and `Dashboard`, with a
/// named instance's logical ids already prefixed by its name.
#[derive(Debug, Clone)]
pub struct RenderedBlock {
    /// The instance (kind, name, options).
    pub instance: pattern::BlockRef,
    /// The fragment file, for messages.
    pub file: String,
    /// The rendered fragment.
    pub piece: Map<String, Value>,
}

/// Renders each block instance of `manifest` on its own (no merge, no checks): what each block
/// defines and refers to, for `streamstack blocks` and the tests of `patterns/blocks.yaml`.
pub fn render_blocks(
    manifest: &Manifest,
    opts: &RenderOptions,
) -> Result<Vec<RenderedBlock>, Error> {
    let (manifest, hb, context, _) = prepare(manifest, opts)?;
    render_instances(&hb, &context, &manifest, opts)
}

fn render_instances(
    hb: &Handlebars,
    context: &Value,
    manifest: &Manifest,
    opts: &RenderOptions,
) -> Result<Vec<RenderedBlock>, Error> {
    // Render every block instance first: a named instance's logical ids get its name as a
    // prefix, in its own fragment and in every fragment of the same name (see `rename`).
    let mut pieces = Vec::with_capacity(manifest.instances.len());
    for inst in &manifest.instances {
        let source = sources::fragment(&inst.block, opts.templates_dir.as_deref())?;
        let file = match &inst.name {
            Some(name) => format!("{}.json.hbs (name {name})", inst.block),
            None => format!("{}.json.hbs", inst.block),
        };
        let mut context = context.clone();
        if let Value::Object(c) = &mut context {
            c.insert(
                "block".into(),
                json!({"name": inst.name.clone().unwrap_or_default(), "options": inst.options}),
            );
        }
        let text = hb
            .render_template(&source, &context)
            .map_err(|e| Error::Fragment {
                file: file.clone(),
                message: e.to_string(),
            })?;
        let piece: Value = serde_json::from_str(&text).map_err(|e| Error::Fragment {
            file: file.clone(),
            message: format!("rendered text is not valid JSON: {e}"),
        })?;
        let Value::Object(piece) = piece else {
            return Err(Error::Fragment {
                file,
                message: "must render to a JSON object".to_string(),
            });
        };
        pieces.push((file, inst.clone(), piece));
    }
    let mut scopes: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (_, inst, piece) in &pieces {
        if let Some(name) = &inst.name {
            let map = scopes.entry(name.clone()).or_default();
            for key in ["Resources", "Conditions"] {
                if let Some(Value::Object(m)) = piece.get(key) {
                    for id in m.keys() {
                        map.insert(id.clone(), format!("{name}{id}"));
                    }
                }
            }
        }
    }

    Ok(pieces
        .into_iter()
        .map(|(file, instance, mut piece)| {
            if let Some(map) = instance.name.as_ref().and_then(|n| scopes.get(n)) {
                rename::rename_piece(&mut piece, map);
            }
            RenderedBlock {
                instance,
                file,
                piece,
            }
        })
        .collect())
}

/// The template as JSON text: 2-space indentation, trailing newline.
pub fn to_json(template: &Value) -> String {
    let mut s = serde_json::to_string_pretty(template).unwrap_or_default();
    s.push('\n');
    s
}

/// The template as YAML text.
pub fn to_yaml(template: &Value) -> Result<String, Error> {
    serde_yaml_ng::to_string(template).map_err(|e| Error::Fragment {
        file: "yaml output".to_string(),
        message: e.to_string(),
    })
}

/// `{{asset_path 'name.zip'}}`: the S3 key of a code asset, as text for a `Fn::Sub` string.
struct AssetPath {
    prefix: String,
    names: BTreeMap<String, String>,
    used: Arc<Mutex<BTreeSet<String>>>,
}

impl handlebars::HelperDef for AssetPath {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &handlebars::Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc handlebars::Context,
        _: &mut handlebars::RenderContext<'reg, 'rc>,
        out: &mut dyn handlebars::Output,
    ) -> handlebars::HelperResult {
        let name = h.param(0).and_then(|p| p.value().as_str()).ok_or_else(|| {
            handlebars::RenderErrorReason::ParamTypeMismatchForName(
                "asset_path",
                "0".into(),
                "string".into(),
            )
        })?;
        if name.is_empty() || name.contains(['/', '$', '"', '\\']) {
            return Err(
                handlebars::RenderErrorReason::Other(format!("bad asset name `{name}`")).into(),
            );
        }
        if let Ok(mut used) = self.used.lock() {
            used.insert(name.to_string());
        }
        let published = self.names.get(name).map_or(name, String::as_str);
        out.write(&escape_json_string(&format!("{}{published}", self.prefix)))?;
        Ok(())
    }
}

fn merge_unique(
    into: &mut Map<String, Value>,
    from: Map<String, Value>,
    file: &str,
) -> Result<(), Error> {
    for (k, v) in from {
        if into.contains_key(&k) {
            return Err(Error::Fragment {
                file: file.to_string(),
                message: format!("logical id `{k}` is defined twice"),
            });
        }
        into.insert(k, v);
    }
    Ok(())
}

/// `{"Fn::Sub": "text"}` without any `${` is just `"text"` (dist mode bakes asset keys in, so
/// a key that needed `${AssetPrefix}` becomes a constant).
fn simplify_subs(resources: &mut Map<String, Value>) {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.len() == 1 {
                    if let Some(Value::String(s)) = m.get("Fn::Sub") {
                        if !s.contains("${") {
                            *v = Value::String(s.clone());
                            return;
                        }
                    }
                }
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    resources.values_mut().for_each(walk);
}

/// Every alarm notifies the stack's alarm topic on ALARM and on OK: no alarm is left silent.
fn add_alarm_actions(resources: &mut Map<String, Value>) {
    let topic = json!([{"Ref": "AlarmTopic"}]);
    for resource in resources.values_mut() {
        if resource.get("Type").and_then(Value::as_str) != Some("AWS::CloudWatch::Alarm") {
            continue;
        }
        if let Some(Value::Object(props)) = resource.get_mut("Properties") {
            props.insert("AlarmActions".into(), topic.clone());
            props.insert("OKActions".into(), topic.clone());
        }
    }
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

fn parameters(manifest: &Manifest) -> Value {
    let mut out = Map::new();
    for p in &manifest.parameters {
        let mut m = Map::new();
        m.insert("Type".into(), json!(p.kind));
        if let Some(d) = &p.default {
            m.insert("Default".into(), json!(d));
        }
        m.insert("Description".into(), json!(p.description));
        if !p.allowed_values.is_empty() {
            m.insert("AllowedValues".into(), json!(p.allowed_values));
        }
        if let Some(v) = p.min_value {
            m.insert("MinValue".into(), number(v));
        }
        if let Some(v) = p.max_value {
            m.insert("MaxValue".into(), number(v));
        }
        if let Some(v) = p.min_length {
            m.insert("MinLength".into(), json!(v));
        }
        if let Some(v) = p.max_length {
            m.insert("MaxLength".into(), json!(v));
        }
        if let Some(v) = &p.allowed_pattern {
            m.insert("AllowedPattern".into(), json!(v));
        }
        if let Some(v) = &p.constraint_description {
            m.insert("ConstraintDescription".into(), json!(v));
        }
        out.insert(p.name.clone(), Value::Object(m));
    }
    Value::Object(out)
}

fn interface(manifest: &Manifest) -> Value {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut labels = Map::new();
    for p in &manifest.parameters {
        match groups.iter_mut().find(|(g, _)| *g == p.group) {
            Some((_, names)) => names.push(p.name.clone()),
            None => groups.push((p.group.clone(), vec![p.name.clone()])),
        }
        labels.insert(p.name.clone(), json!({"default": p.label}));
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(label, names)| json!({"Label": {"default": label}, "Parameters": names}))
        .collect();
    json!({"AWS::CloudFormation::Interface": {"ParameterGroups": groups, "ParameterLabels": labels}})
}

fn outputs(manifest: &Manifest) -> Value {
    let mut out = Map::new();
    for o in &manifest.outputs {
        let mut m = Map::new();
        if let Some(c) = &o.condition {
            m.insert("Condition".into(), json!(c));
        }
        m.insert("Description".into(), json!(o.description));
        m.insert("Value".into(), o.value.clone());
        if o.export {
            m.insert(
                "Export".into(),
                json!({"Name": {"Fn::Sub": format!("${{AWS::StackName}}-{}", o.name)}}),
            );
        }
        out.insert(o.name.clone(), Value::Object(m));
    }
    Value::Object(out)
}

/// Escapes `{{value}}` for the inside of a JSON string literal.
fn escape_json_string(s: &str) -> String {
    serde_json::to_string(s)
        .ok()
        .and_then(|q| Some(q.strip_prefix('"')?.strip_suffix('"')?.to_string()))
        .unwrap_or_default()
}

/// `{{json value}}`: the value as JSON text (use with triple braces so it is not escaped again).
fn json_helper(
    h: &handlebars::Helper,
    _: &Handlebars,
    _: &handlebars::Context,
    _: &mut handlebars::RenderContext,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let value = h
        .param(0)
        .ok_or_else(|| handlebars::RenderErrorReason::ParamNotFoundForIndex("json", 0))?;
    let text = serde_json::to_string(value.value())
        .map_err(|e| handlebars::RenderErrorReason::Other(e.to_string()))?;
    out.write(&text)?;
    Ok(())
}
