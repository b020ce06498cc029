//! Composition: what each building block needs, provides and reads (`patterns/blocks.yaml`), and
//! the checks a manifest's list of blocks passes before anything is rendered.
//!
//! A manifest names its blocks either by kind (`- consumer`) or as a map
//! (`- block: consumer` with an optional `name: Archive` and `options: {...}`). A named block is a
//! second instance of a nameable block: its logical ids get the name as a prefix when rendered
//! (see `render::rename`), and a block of the same name takes its needs from it first.
//!
//! The checks, each an error of one line naming the block and what is wrong: an unknown block or
//! option, a block listed twice under one name, a name on a block that takes none, a need no block
//! provides (with the blocks that would), a need two blocks provide, a cycle of needs, a parameter
//! no block reads, a parameter a block reads that nobody defines.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

/// What one building block needs, provides and reads, from `patterns/blocks.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockSpec {
    /// One sentence saying what the block is.
    pub description: String,
    /// Capabilities the block expects other blocks of the pattern to provide.
    #[serde(default)]
    pub needs: Vec<String>,
    /// Capabilities the block provides to others.
    #[serde(default)]
    pub provides: Vec<String>,
    /// Parameters the block reads.
    #[serde(default)]
    pub reads: Vec<String>,
    /// Whether the block may appear again under a `name`.
    #[serde(default)]
    pub nameable: bool,
    /// Whether the block polls the stream (one of the readers sharing 5 reads/s per shard).
    #[serde(default)]
    pub reads_stream: bool,
    /// Options the block takes (`options:` of a manifest entry), with what each does.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

/// The table of every block, in name order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Block kind (fragment file stem) -> what it needs, provides and reads.
    pub blocks: BTreeMap<String, BlockSpec>,
}

impl Catalog {
    /// Parses the text of `blocks.yaml`.
    pub fn parse(text: &str) -> Result<Catalog, String> {
        serde_yaml_ng::from_str(text).map_err(|e| e.to_string())
    }

    /// The blocks that provide `capability`, in name order.
    pub fn providers_of(&self, capability: &str) -> Vec<&str> {
        self.blocks
            .iter()
            .filter(|(_, s)| s.provides.iter().any(|p| p == capability))
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

/// One entry of a manifest's `blocks:` list.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockRef {
    /// Block kind: the fragment `templates/<block>.json.hbs`.
    pub block: String,
    /// Instance name (a logical id prefix), for a second instance of a nameable block.
    pub name: Option<String>,
    /// Block options (see [`BlockSpec::options`]).
    pub options: serde_json::Map<String, Value>,
}

impl BlockRef {
    /// `consumer` or `consumer (name Archive)`, for messages.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{} (name {n})", self.block),
            None => self.block.clone(),
        }
    }

    /// Whether option `key` is set to `true`.
    pub fn option_on(&self, key: &str) -> bool {
        matches!(self.options.get(key), Some(Value::Bool(true)))
    }
}

/// A `blocks:` entry as written: a kind, or a map with `block`, `name` and `options`.
#[derive(Debug)]
pub(super) enum BlockEntry {
    Kind(String),
    Full(BlockEntryFull),
}

impl<'de> Deserialize<'de> for BlockEntry {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        match serde_yaml_ng::Value::deserialize(de)? {
            serde_yaml_ng::Value::String(s) => Ok(BlockEntry::Kind(s)),
            v @ serde_yaml_ng::Value::Mapping(_) => serde_yaml_ng::from_value(v)
                .map(BlockEntry::Full)
                .map_err(|e| D::Error::custom(format!("a block entry: {e}"))),
            _ => Err(D::Error::custom(
                "a block entry is a block name or a map with block, name and options",
            )),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BlockEntryFull {
    block: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    options: serde_json::Map<String, Value>,
}

impl From<BlockEntry> for BlockRef {
    fn from(e: BlockEntry) -> BlockRef {
        match e {
            BlockEntry::Kind(block) => BlockRef {
                block,
                name: None,
                options: serde_json::Map::new(),
            },
            BlockEntry::Full(f) => BlockRef {
                block: f.block,
                name: f.name,
                options: f.options,
            },
        }
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_alphanumeric())
}

/// Checks the blocks of a manifest against the catalog; returns the warnings (e.g. several readers
/// sharing the stream's reads). Each error is one line naming the block and what is wrong.
pub fn check_blocks(instances: &[BlockRef], catalog: &Catalog) -> Result<Vec<String>, String> {
    if instances.is_empty() {
        return Err("the pattern has no blocks".to_string());
    }
    let known = || {
        catalog
            .blocks
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut specs = Vec::with_capacity(instances.len());
    for inst in instances {
        let spec = catalog
            .blocks
            .get(&inst.block)
            .ok_or_else(|| format!("unknown block `{}`; blocks: {}", inst.block, known()))?;
        if let Some(name) = &inst.name {
            if !spec.nameable {
                let nameable: Vec<&str> = catalog
                    .blocks
                    .iter()
                    .filter(|(_, s)| s.nameable)
                    .map(|(k, _)| k.as_str())
                    .collect();
                return Err(format!(
                    "block `{}` takes no `name` (blocks that do: {})",
                    inst.block,
                    nameable.join(", ")
                ));
            }
            if !valid_name(name) {
                return Err(format!(
                    "block `{}`: name `{name}` is not allowed: a capital letter then letters and digits, at most 32 characters (it prefixes logical ids)",
                    inst.block
                ));
            }
        }
        for (key, value) in &inst.options {
            if !spec.options.contains_key(key) {
                let allowed: Vec<&str> = spec.options.keys().map(String::as_str).collect();
                return Err(format!(
                    "block `{}`: unknown option `{key}`; options: {}",
                    inst.label(),
                    if allowed.is_empty() {
                        "none".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ));
            }
            if !value.is_boolean() {
                return Err(format!(
                    "block `{}`: option `{key}` must be true or false, not {value}",
                    inst.label()
                ));
            }
        }
        specs.push(spec);
    }
    for (i, inst) in instances.iter().enumerate() {
        if instances[..i]
            .iter()
            .any(|o| o.block == inst.block && o.name == inst.name)
        {
            return Err(match &inst.name {
                Some(n) => format!("block `{}` is named `{n}` twice; give each instance its own name", inst.block),
                None if specs[i].nameable => format!(
                    "block `{}` appears twice; give the second one a `name:` (e.g. `- block: {}` then `name: Archive`)",
                    inst.block, inst.block
                ),
                None => format!("block `{}` appears twice (it can be in a pattern once)", inst.block),
            });
        }
    }
    // Two blocks of one scope (same name, or unnamed) providing one capability.
    for (i, inst) in instances.iter().enumerate() {
        for cap in &specs[i].provides {
            if let Some((j, other)) = instances[..i]
                .iter()
                .enumerate()
                .find(|(j, o)| o.name == inst.name && specs[*j].provides.contains(cap))
            {
                let _ = j;
                return Err(format!(
                    "blocks `{}` and `{}` both provide {cap}; a pattern takes one (name one of them to have two)",
                    other.label(),
                    inst.label()
                ));
            }
        }
    }
    // Resolve every need to one provider instance: the same name first, then the unnamed scope.
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); instances.len()];
    for (i, inst) in instances.iter().enumerate() {
        for need in &specs[i].needs {
            let in_scope = |name: &Option<String>| {
                instances
                    .iter()
                    .enumerate()
                    .filter(|(j, o)| &o.name == name && specs[*j].provides.contains(need))
                    .map(|(j, _)| j)
                    .collect::<Vec<_>>()
            };
            let mut found = in_scope(&inst.name);
            if found.is_empty() && inst.name.is_some() {
                found = in_scope(&None);
            }
            match found.as_slice() {
                [j] => edges[i].push(*j),
                [] => {
                    let named: Vec<String> = instances
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| specs[*j].provides.contains(need))
                        .map(|(_, o)| o.label())
                        .collect();
                    let providers = catalog.providers_of(need);
                    return Err(if named.is_empty() {
                        format!(
                            "block `{}` needs {need}, which no block of the pattern provides; add {}",
                            inst.label(),
                            if providers.is_empty() {
                                "a block that provides it (none does)".to_string()
                            } else {
                                providers
                                    .iter()
                                    .map(|p| format!("block `{p}`"))
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            }
                        )
                    } else if named.len() == 1 {
                        format!(
                            "block `{}` needs {need}, which only `{}` provides; give `{}` the same name, or add an unnamed `{}`",
                            inst.label(),
                            named[0],
                            inst.block,
                            providers.join("` or `")
                        )
                    } else {
                        format!(
                            "block `{}` needs {need}, which several named blocks provide ({}); give `{}` the name of the one it belongs to",
                            inst.label(),
                            named.join(", "),
                            inst.block
                        )
                    });
                }
                _ => {
                    // Unreachable after the duplicate-provider check above, kept as an error.
                    return Err(format!(
                        "block `{}` needs {need}, which {} blocks provide; a pattern takes one",
                        inst.label(),
                        found.len()
                    ));
                }
            }
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        let path: Vec<String> = cycle.iter().map(|&i| instances[i].label()).collect();
        return Err(format!(
            "a cycle of needs: {} (a block cannot need, through others, what it provides)",
            path.join(" -> ")
        ));
    }
    let readers: Vec<String> = instances
        .iter()
        .zip(&specs)
        .filter(|(inst, spec)| spec.reads_stream && !inst.option_on("enhanced_fan_out"))
        .map(|(inst, _)| inst.label())
        .collect();
    let mut warnings = Vec::new();
    if readers.len() > 1 {
        warnings.push(format!(
            "{} readers share the stream's 5 reads per second per shard ({}); give the consumer `options: {{enhanced_fan_out: true}}` for its own 2 MB/s per shard",
            readers.len(),
            readers.join(", ")
        ));
    }
    Ok(warnings)
}

/// A cycle in the need graph, as the instances along it (first repeated at the end).
fn find_cycle(edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    // 0 unvisited, 1 on the current path, 2 done.
    let mut state = vec![0u8; edges.len()];
    let mut path = Vec::new();
    fn visit(
        n: usize,
        edges: &[Vec<usize>],
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[n] = 1;
        path.push(n);
        for &m in &edges[n] {
            if state[m] == 1 {
                let start = path.iter().position(|&p| p == m).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(m);
                return Some(cycle);
            }
            if state[m] == 0 {
                if let Some(c) = visit(m, edges, state, path) {
                    return Some(c);
                }
            }
        }
        path.pop();
        state[n] = 2;
        None
    }
    (0..edges.len()).find_map(|n| {
        if state[n] == 0 {
            visit(n, edges, &mut state, &mut path)
        } else {
            None
        }
    })
}

/// The parameters the blocks read, in block order, each once.
pub fn parameters_read(instances: &[BlockRef], catalog: &Catalog) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for inst in instances {
        if let Some(spec) = catalog.blocks.get(&inst.block) {
            for p in &spec.reads {
                if seen.insert(p.clone()) {
                    out.push((p.clone(), inst.block.clone()));
                }
            }
        }
    }
    out
}

/// Every name a CloudFormation expression in `v` refers to: `Ref`, `Fn::GetAtt`, `${X}` in
/// `Fn::Sub`, conditions of `Fn::If` and `Condition`.
pub fn referenced_names(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("Ref" | "Condition", Value::String(s)) => {
                        out.insert(s.clone());
                    }
                    ("Fn::GetAtt", Value::Array(a)) => {
                        if let Some(Value::String(s)) = a.first() {
                            out.insert(s.clone());
                        }
                    }
                    ("Fn::GetAtt", Value::String(s)) => {
                        out.insert(s.split('.').next().unwrap_or("").to_string());
                    }
                    ("Fn::Sub", Value::String(s)) => sub_names(s, out),
                    ("Fn::Sub", Value::Array(a)) => {
                        if let Some(Value::String(s)) = a.first() {
                            let mut names = BTreeSet::new();
                            sub_names(s, &mut names);
                            if let Some(Value::Object(locals)) = a.get(1) {
                                names.retain(|n| !locals.contains_key(n));
                            }
                            out.extend(names);
                        }
                    }
                    ("Fn::If", Value::Array(a)) => {
                        if let Some(Value::String(s)) = a.first() {
                            out.insert(s.clone());
                        }
                    }
                    _ => {}
                }
                referenced_names(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| referenced_names(x, out)),
        _ => {}
    }
}

fn sub_names(s: &str, out: &mut BTreeSet<String>) {
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find('}') else { break };
        let inner = &rest[..end];
        if !inner.starts_with('!') {
            out.insert(inner.split('.').next().unwrap_or("").to_string());
        }
        rest = &rest[end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::parse(
            crate::pattern::sources::embedded_files()
                .iter()
                .find(|(p, _)| *p == "patterns/blocks.yaml")
                .unwrap()
                .1,
        )
        .unwrap()
    }

    fn refs(list: &[(&str, Option<&str>)]) -> Vec<BlockRef> {
        list.iter()
            .map(|(b, n)| BlockRef {
                block: b.to_string(),
                name: n.map(str::to_string),
                options: serde_json::Map::new(),
            })
            .collect()
    }

    #[test]
    fn a_cycle_is_found() {
        let edges = vec![vec![1], vec![2], vec![0]];
        assert_eq!(find_cycle(&edges), Some(vec![0, 1, 2, 0]));
        assert_eq!(find_cycle(&[vec![1], vec![]]), None);
    }

    #[test]
    fn a_named_instance_takes_its_needs_from_its_own_scope_first() {
        let c = catalog();
        let ok = refs(&[
            ("alarm-topic", None),
            ("stream", None),
            ("output-bucket", None),
            ("delivery-stream", None),
            ("firehose-alarms", None),
            ("delivery-stream", Some("Backup")),
            ("firehose-alarms", Some("Backup")),
        ]);
        let warnings = check_blocks(&ok, &c).unwrap();
        assert_eq!(warnings.len(), 1, "two delivery streams are two readers");
        assert!(warnings[0].contains("2 readers"), "{warnings:?}");
    }

    #[test]
    fn sub_names_skip_literals() {
        let mut out = BTreeSet::new();
        sub_names("${A.Arn}/${!Literal}/${AWS::Region}/${B}", &mut out);
        assert_eq!(
            out.into_iter().collect::<Vec<_>>(),
            vec!["A", "AWS::Region", "B"]
        );
    }
}
