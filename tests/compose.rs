//! Composition (issue #23): the checks a manifest's blocks pass before rendering, each error naming
//! the block and what it lacks; `patterns/blocks.yaml` against what each fragment really does; the
//! composed examples of `patterns/examples/` rendered, structured as promised, and gated (cfn-lint
//! 0/0, checkov 0 failed); fuzzed manifests never panic. Deploying the examples on the emulator is
//! in `tests/compose_deploy.rs`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;
use streamstack::pattern::compose::referenced_names;
use streamstack::pattern::sources::embedded_files;
use streamstack::pattern::{Catalog, Error, Manifest, PATTERN_IDS};
use streamstack::render::{render_blocks, render_manifest, to_json, RenderOptions};
use support::gate::{cfn_lint, checkov};

fn embedded(path: &str) -> &'static str {
    embedded_files()
        .iter()
        .find(|(p, _)| *p == path)
        .unwrap_or_else(|| panic!("{path} is not embedded"))
        .1
}

fn parse(id: &str, text: &str) -> Result<Manifest, Error> {
    Manifest::parse_with(
        id,
        embedded("patterns/shared.yaml"),
        embedded("patterns/blocks.yaml"),
        text,
    )
}

/// The one-line error of a manifest that must be refused, checked to be a usage error (exit 2).
fn refused(text: &str) -> String {
    let e = parse("mine", text).expect_err("the manifest must be refused");
    assert!(
        e.is_usage(),
        "a bad user manifest is a usage error (exit 2): {e}"
    );
    let line = e.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(line.starts_with("pattern mine: "), "{line}");
    line
}

fn manifest(blocks: &str) -> String {
    format!("id: mine\ndescription: mine\nblocks: {blocks}\n")
}

const FIREHOSE: &str =
    "[alarm-topic, stream, stream-alarms, output-bucket, delivery-stream, firehose-alarms]";

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns/examples")
}

fn examples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_minimal_manifest_of_blocks_alone_composes_with_the_parameters_they_read() {
    let m = parse("mine", &manifest(FIREHOSE)).unwrap();
    let names: Vec<&str> = m.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "AlarmEmail",
            "ShardCount",
            "RetentionHours",
            "StreamMode",
            "EnableEnhancedMonitoring",
            "StreamKmsKeyArn",
            "BufferingSize",
            "BufferingInterval",
            "CompressionFormat"
        ]
    );
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    let r = render_manifest(&m, &RenderOptions::default()).unwrap();
    assert!(r.template["Resources"]["DeliveryStream"].is_object());
    assert!(
        r.template.get("Outputs").is_none(),
        "a manifest without outputs has no empty Outputs section"
    );
}

#[test]
fn a_missing_provider_names_the_block_what_it_needs_and_who_provides_it() {
    let line = refused(&manifest(
        "[alarm-topic, stream, output-bucket, delivery-stream, firehose-alarms, consumer]",
    ));
    assert_eq!(
        line,
        "pattern mine: block `consumer` needs lambda-architecture, which no block of the pattern provides; add block `lambda-architecture`"
    );
    let line = refused(&manifest("[alarm-topic, stream-alarms]"));
    assert!(
        line.contains("block `stream-alarms` needs stream") && line.contains("add block `stream`"),
        "{line}"
    );
}

#[test]
fn a_need_met_only_by_a_named_block_says_to_give_the_same_name() {
    let line = refused(&manifest(
        "[alarm-topic, stream, output-bucket, {block: delivery-stream, name: Backup}, firehose-alarms]",
    ));
    assert!(
        line.contains("block `firehose-alarms` needs delivery-stream, which only `delivery-stream (name Backup)` provides; give `firehose-alarms` the same name"),
        "{line}"
    );
}

#[test]
fn two_providers_where_one_is_expected_are_refused() {
    // Two named delivery streams and an alarm block that belongs to neither.
    let line = refused(&manifest(
        "[alarm-topic, stream, output-bucket, {block: delivery-stream, name: Backup}, {block: delivery-stream, name: Archive}, firehose-alarms]",
    ));
    assert!(
        line.contains("block `firehose-alarms` needs delivery-stream, which several named blocks provide (delivery-stream (name Backup), delivery-stream (name Archive))"),
        "{line}"
    );
    // Two kinds of block providing one capability in one pattern.
    let blocks = "blocks:\n  a: {description: a, provides: [x]}\n  b: {description: b, provides: [x]}\n  c: {description: c, needs: [x]}\n";
    let e = Manifest::parse_with(
        "mine",
        embedded("patterns/shared.yaml"),
        blocks,
        &manifest("[a, b, c]"),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "pattern mine: blocks `a` and `b` both provide x; a pattern takes one (name one of them to have two)"
    );
}

#[test]
fn a_block_listed_twice_under_one_name_is_refused() {
    let line = refused(&manifest(
        "[alarm-topic, stream, lambda-architecture, output-bucket, consumer, consumer]",
    ));
    assert!(
        line.contains("block `consumer` appears twice; give the second one a `name:`"),
        "{line}"
    );
    let line = refused(&manifest(
        "[alarm-topic, stream, lambda-architecture, output-bucket, {block: consumer, name: Archive}, {block: consumer, name: Archive}]",
    ));
    assert!(
        line.contains("block `consumer` is named `Archive` twice"),
        "{line}"
    );
    let line = refused(&manifest("[alarm-topic, stream, stream]"));
    assert!(
        line.contains("block `stream` appears twice (it can be in a pattern once)"),
        "{line}"
    );
    let line = refused(&manifest("[alarm-topic, {block: stream, name: Second}]"));
    assert!(line.contains("block `stream` takes no `name`"), "{line}");
    let line = refused(&manifest(
        "[alarm-topic, stream, lambda-architecture, output-bucket, {block: consumer, name: audit}]",
    ));
    assert!(line.contains("name `audit` is not allowed"), "{line}");
}

#[test]
fn a_cycle_of_needs_is_refused() {
    let blocks = "blocks:\n  a: {description: a, needs: [y], provides: [x]}\n  b: {description: b, needs: [x], provides: [y]}\n";
    let e = Manifest::parse_with(
        "mine",
        embedded("patterns/shared.yaml"),
        blocks,
        &manifest("[a, b]"),
    )
    .unwrap_err();
    assert!(e.is_usage());
    assert_eq!(
        e.to_string(),
        "pattern mine: a cycle of needs: a -> b -> a (a block cannot need, through others, what it provides)"
    );
}

#[test]
fn a_parameter_no_block_reads_is_refused() {
    let text = format!(
        "id: mine\ndescription: mine\nparameters: [ShardCount, BatchSize]\nblocks: {FIREHOSE}\n"
    );
    assert_eq!(
        refused(&text),
        "pattern mine: parameter `BatchSize` is read by no block (nor by the manifest's vars, conditions, rules or outputs); remove it"
    );
    // A parameter the manifest's own outputs read is used.
    let text = format!(
        "id: mine\ndescription: mine\nparameters:\n  - name: Team\n    type: String\n    default: data\n    description: team\n    label: Team\n    group: Tags\nblocks: {FIREHOSE}\noutputs:\n  Team: {{description: team, value: {{Ref: Team}}}}\n"
    );
    parse("mine", &text).unwrap();
}

#[test]
fn unknown_keys_blocks_and_options_are_refused_in_one_line() {
    let line = refused(&format!(
        "id: mine\ndescription: mine\nblokcs: {FIREHOSE}\n"
    ));
    assert!(line.contains("unknown field `blokcs`"), "{line}");
    let line = refused(&manifest(
        "[alarm-topic, stream, output-bucket, {block: delivery-stream, nmae: Backup}]",
    ));
    assert!(line.contains("unknown field `nmae`"), "{line}");
    let line = refused(&manifest("[alarm-topic, stream, kinesis-firehose]"));
    assert!(
        line.contains(
            "unknown block `kinesis-firehose`; blocks: alarm-topic, apigw-account, consumer"
        ),
        "{line}"
    );
    let line = refused(&manifest(
        "[alarm-topic, stream, lambda-architecture, output-bucket, {block: consumer, options: {efo: true}}]",
    ));
    assert!(
        line.contains("block `consumer`: unknown option `efo`; options: enhanced_fan_out"),
        "{line}"
    );
    let line = refused(&format!(
        "id: mine\ndescription: mine\ndefaults: {{ShardCount: 0}}\nblocks: {FIREHOSE}\n"
    ));
    assert!(
        line.contains("defaults: `ShardCount` value `0` is not allowed: must be between 1 and 200"),
        "{line}"
    );
    let line = refused(&format!(
        "id: other\ndescription: mine\nblocks: {FIREHOSE}\n"
    ));
    assert!(
        line.contains("id `other` does not match the file name"),
        "{line}"
    );
}

#[test]
fn several_readers_of_the_stream_are_a_warning_and_enhanced_fan_out_takes_the_consumer_out() {
    let both =
        "[alarm-topic, stream, lambda-architecture, output-bucket, consumer, delivery-stream]";
    let m = parse("mine", &manifest(both)).unwrap();
    assert_eq!(
        m.warnings,
        ["2 readers share the stream's 5 reads per second per shard (consumer, delivery-stream); give the consumer `options: {enhanced_fan_out: true}` for its own 2 MB/s per shard"]
    );
    let efo = "[alarm-topic, stream, lambda-architecture, output-bucket, {block: consumer, options: {enhanced_fan_out: true}}, delivery-stream]";
    assert!(parse("mine", &manifest(efo)).unwrap().warnings.is_empty());
    for id in PATTERN_IDS {
        let m = Manifest::load(id, None).unwrap();
        assert!(m.warnings.is_empty(), "{id}: {:?}", m.warnings);
    }
}

/// `patterns/blocks.yaml` says what each fragment does: every name a block refers to and does not
/// define is a parameter it declares in `reads`, or an id defined by the provider of one of its
/// `needs` (or comes from the manifest's `vars`); every parameter it declares is read somewhere.
#[test]
fn the_block_table_matches_what_each_fragment_refers_to() {
    let catalog = Catalog::parse(embedded("patterns/blocks.yaml")).unwrap();
    let mut manifests: Vec<Manifest> = PATTERN_IDS
        .iter()
        .map(|id| Manifest::load(id, None).unwrap())
        .collect();
    manifests.extend(
        examples()
            .iter()
            .map(|p| Manifest::load_file(p, None).unwrap()),
    );
    let mut read_somewhere: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for m in &manifests {
        let blocks = render_blocks(m, &RenderOptions::default()).unwrap();
        let mut from_vars = BTreeSet::new();
        // What the manifest's vars bring into a fragment: expressions, and plain names such as
        // `output_bucket_condition: EmitToS3`.
        for v in m.vars.values() {
            referenced_names(v, &mut from_vars);
            strings(v, &mut from_vars);
        }
        let defined = |b: &streamstack::render::RenderedBlock| -> BTreeSet<String> {
            ["Resources", "Conditions"]
                .iter()
                .filter_map(|k| b.piece.get(*k).and_then(Value::as_object))
                .flat_map(|o| o.keys().cloned())
                .collect()
        };
        for b in &blocks {
            let spec = &catalog.blocks[&b.instance.block];
            let own = defined(b);
            let mut refs = BTreeSet::new();
            for key in ["Resources", "Conditions"] {
                if let Some(v) = b.piece.get(key) {
                    referenced_names(v, &mut refs);
                }
            }
            if let Some(Value::Array(sections)) = b.piece.get("Dashboard") {
                for s in sections {
                    if let Some(vars) = s.get("variables") {
                        referenced_names(vars, &mut refs);
                    }
                }
            }
            let from_needs: BTreeSet<String> = blocks
                .iter()
                .filter(|o| {
                    let ospec = &catalog.blocks[&o.instance.block];
                    ospec.provides.iter().any(|c| spec.needs.contains(c))
                        && (o.instance.name == b.instance.name || o.instance.name.is_none())
                })
                .flat_map(defined)
                .collect();
            for r in &refs {
                if own.contains(r) || r.starts_with("AWS::") {
                    continue;
                }
                if m.parameter(r).is_some() {
                    read_somewhere
                        .entry(b.instance.block.clone())
                        .or_default()
                        .insert(r.clone());
                    if !spec.reads.contains(r) && !from_vars.contains(r) {
                        problems.push(format!(
                            "{}: block `{}` reads parameter `{r}`, not in its `reads`",
                            m.id, b.instance.block
                        ));
                    }
                } else if !from_needs.contains(r) && !from_vars.contains(r) {
                    problems.push(format!(
                        "{}: block `{}` refers to `{r}`, which none of its needs ({}) provides",
                        m.id,
                        b.instance.block,
                        spec.needs.join(", ")
                    ));
                }
            }
        }
    }
    for (block, spec) in &catalog.blocks {
        for p in &spec.reads {
            if !read_somewhere.get(block).is_some_and(|r| r.contains(p)) {
                problems.push(format!(
                    "block `{block}` declares it reads `{p}` but no rendered pattern shows it"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "blocks.yaml is wrong:\n{}",
        problems.join("\n")
    );
}

fn strings(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

fn render_example(name: &str) -> streamstack::render::Rendered {
    let m = Manifest::load_file(&examples_dir().join(format!("{name}.yaml")), None).unwrap();
    render_manifest(&m, &RenderOptions::default()).unwrap()
}

fn resources_of_type<'a>(t: &'a Value, kind: &str) -> Vec<(&'a String, &'a Value)> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .collect()
}

#[test]
fn the_fan_out_example_has_each_reader_with_its_alarms_and_dashboard_section() {
    let r = render_example("fan-out");
    let t = &r.template;
    // Lambda (enhanced fan-out), Lambda "Audit" (polling), Firehose, Flink: four readers.
    let esms = resources_of_type(t, "AWS::Lambda::EventSourceMapping");
    assert_eq!(esms.len(), 2, "two consumers");
    assert_eq!(
        t["Resources"]["ConsumerEventSourceMapping"]["Properties"]["EventSourceArn"],
        serde_json::json!({"Fn::GetAtt": ["ConsumerStreamConsumer", "ConsumerARN"]}),
        "the enhanced fan-out consumer reads through its stream consumer"
    );
    assert_eq!(
        t["Resources"]["AuditConsumerEventSourceMapping"]["Properties"]["EventSourceArn"],
        serde_json::json!({"Fn::GetAtt": ["DataStream", "Arn"]})
    );
    let consumers = resources_of_type(t, "AWS::Kinesis::StreamConsumer");
    assert_eq!(consumers.len(), 1);
    assert_eq!(
        consumers[0].1["Properties"]["StreamARN"],
        serde_json::json!({"Fn::GetAtt": ["DataStream", "Arn"]})
    );
    // IAM: SubscribeToShard and DescribeStreamConsumer on that consumer alone.
    let statements = t["Resources"]["ConsumerRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"]
        .as_array()
        .unwrap();
    let efo: Vec<&Value> = statements
        .iter()
        .filter(|s| s.to_string().contains("SubscribeToShard"))
        .collect();
    assert_eq!(efo.len(), 1);
    assert_eq!(
        efo[0]["Action"],
        serde_json::json!(["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"])
    );
    assert_eq!(
        efo[0]["Resource"],
        serde_json::json!({"Fn::GetAtt": ["ConsumerStreamConsumer", "ConsumerARN"]})
    );
    let audit_role = t["Resources"]["AuditConsumerRole"].to_string();
    assert!(
        !audit_role.contains("SubscribeToShard"),
        "the polling consumer has no EFO grant"
    );
    // Alarms of each reader.
    for alarm in [
        "ConsumerErrorsAlarm",
        "AuditConsumerErrorsAlarm",
        "AuditFailureQueueMessagesAlarm",
        "DeliveryFreshnessAlarm",
        "FlinkRestartAlarm",
        "StreamIteratorAgeAlarm",
    ] {
        assert_eq!(
            t["Resources"][alarm]["Type"], "AWS::CloudWatch::Alarm",
            "{alarm}"
        );
    }
    assert_eq!(
        t["Resources"]["AuditConsumerErrorsAlarm"]["Properties"]["Dimensions"][0]["Value"],
        serde_json::json!({"Ref": "AuditConsumerFunction"})
    );
    // Dashboard: a section for each reader.
    let body = t["Resources"]["Dashboard"]["Properties"]["DashboardBody"].to_string();
    for header in [
        "## Lambda consumer ${ConsumerFunction}",
        "## Lambda consumer ${AuditConsumerFunction}",
        "## Firehose delivery stream ${DeliveryStream}",
    ] {
        assert!(body.contains(header), "dashboard lacks {header}");
    }
    assert!(body.contains("Flink"), "dashboard lacks the Flink sections");
    // Three polling readers share the stream: the warning says so.
    assert_eq!(r.warnings.len(), 1);
    assert!(
        r.warnings[0].starts_with("3 readers share the stream's 5 reads per second per shard (consumer (name Audit), delivery-stream, flink-app)"),
        "{:?}",
        r.warnings
    );
}

/// Two archives of one stream in one bucket: the unnamed delivery stream and one named `Raw`.
const TWO_ARCHIVES: &str = "[alarm-topic, stream, stream-alarms, output-bucket, delivery-stream, firehose-alarms, {block: delivery-stream, name: Raw}, {block: firehose-alarms, name: Raw}]";

#[test]
fn a_named_delivery_stream_writes_under_its_own_prefix() {
    let m = parse(
        "two-archives",
        &manifest(TWO_ARCHIVES).replace("mine", "two-archives"),
    )
    .unwrap();
    let r = render_manifest(&m, &RenderOptions::default()).unwrap();
    let s3 = |id: &str| {
        let d = &r.template["Resources"][id]["Properties"]["ExtendedS3DestinationConfiguration"];
        (
            d["Prefix"].as_str().unwrap().to_string(),
            d["ErrorOutputPrefix"].as_str().unwrap().to_string(),
        )
    };
    let (data, errors) = s3("DeliveryStream");
    let (raw_data, raw_errors) = s3("RawDeliveryStream");
    // The unnamed one keeps the built-in patterns' layout (tests/golden is unchanged).
    assert!(data.starts_with("data/year=!{timestamp:yyyy}/"), "{data}");
    assert!(errors.starts_with("errors/year="), "{errors}");
    assert!(
        raw_data.starts_with("data/Raw/year=!{timestamp:yyyy}/")
            && raw_errors.starts_with("errors/Raw/year="),
        "a named delivery stream writes under data/Raw/ and errors/Raw/, not interleaved with the other archive of the bucket: {raw_data} {raw_errors}"
    );
    assert_eq!(
        r.template["Resources"]["RawDeliveryStream"]["Properties"]
            ["ExtendedS3DestinationConfiguration"]["BucketARN"],
        serde_json::json!({"Fn::GetAtt": ["OutputBucket", "Arn"]}),
        "both archives go to the one bucket"
    );
}

#[test]
fn the_examples_render_as_documented() {
    let archive = render_example("api-lambda-archive");
    for id in [
        "ProxyApi",
        "ConsumerFunction",
        "DeliveryStream",
        "OutputBucket",
    ] {
        assert!(
            archive.template["Resources"][id].is_object(),
            "api-lambda-archive: {id}"
        );
    }
    assert_eq!(
        archive.warnings.len(),
        1,
        "consumer and delivery stream share the stream"
    );
    let backup = render_example("flink-firehose-backup");
    for id in [
        "ProducerInstance",
        "Application",
        "DeliveryStream",
        "DeliveryFreshnessAlarm",
    ] {
        assert!(
            backup.template["Resources"][id].is_object(),
            "flink-firehose-backup: {id}"
        );
    }
    let ddb = render_example("dynamodb-firehose");
    assert_eq!(
        ddb.template["Parameters"]["Emitter"]["Default"], "dynamodb",
        "defaults: sets the emitter"
    );
    assert!(
        ddb.warnings.is_empty(),
        "the consumer uses enhanced fan-out"
    );
    assert_eq!(
        resources_of_type(&ddb.template, "AWS::Kinesis::StreamConsumer").len(),
        1
    );
}

/// Every example, the fan-out one with the other emitters, and two archives in one bucket,
/// written as `synth` would.
fn rendered_examples() -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for path in examples() {
        let m = Manifest::load_file(&path, None).unwrap();
        let mut variants = vec![(m.id.clone(), Vec::new())];
        if m.id == "fan-out" {
            variants.push((
                "fan-out-s3".to_string(),
                vec![("Emitter".to_string(), "s3".to_string())],
            ));
        }
        for (name, overrides) in variants {
            let opts = RenderOptions {
                overrides,
                ..RenderOptions::default()
            };
            let r = render_manifest(&m, &opts).unwrap();
            let file = dir.path().join(format!("{name}.template"));
            std::fs::write(&file, to_json(&r.template)).unwrap();
            files.push(file);
        }
    }
    // And two archives in one bucket: a named delivery stream beside the unnamed one.
    let m = parse(
        "two-archives",
        &manifest(TWO_ARCHIVES).replace("mine", "two-archives"),
    )
    .unwrap();
    let r = render_manifest(&m, &RenderOptions::default()).unwrap();
    let file = dir.path().join("two-archives.template");
    std::fs::write(&file, to_json(&r.template)).unwrap();
    files.push(file);
    assert!(files.len() >= 4);
    (dir, files)
}

#[test]
fn the_examples_pass_cfn_lint() {
    let (_dir, files) = rendered_examples();
    let out = cfn_lint(&files);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "cfn-lint found problems in the examples (exit {:?}):\n{report}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_examples_fail_no_checkov_check() {
    let (_dir, files) = rendered_examples();
    let report = checkov(&files);
    assert_eq!(
        report["summary"]["failed"],
        0,
        "checkov failed checks:\n{}",
        serde_json::to_string_pretty(&report["results"]["failed_checks"]).unwrap()
    );
    assert_eq!(report["summary"]["parsing_errors"], 0);
    let passed = report["results"]["passed_checks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let n = passed
            .iter()
            .filter(|c| c["file_path"].as_str().is_some_and(|p| p.ends_with(&name)))
            .count();
        assert!(n >= 10, "checkov ran only {n} checks on {name}");
    }
}

fn arb_entry() -> impl Strategy<Value = String> {
    let kinds = prop::sample::select(vec![
        "alarm-topic",
        "stream",
        "stream-alarms",
        "consumer",
        "consumer-alarms",
        "delivery-stream",
        "firehose-alarms",
        "output-bucket",
        "lambda-architecture",
        "flink-app",
        "nope",
        "",
    ]);
    let names = prop::sample::select(vec!["", "Archive", "Backup", "x", "A-b"]);
    let keys = prop::sample::select(vec!["name", "options", "nmae", "block"]);
    (kinds, names, keys, any::<bool>(), any::<bool>()).prop_map(|(k, n, key, full, efo)| {
        if full {
            format!("{{block: \"{k}\", {key}: \"{n}\", options: {{enhanced_fan_out: {efo}}}}}")
        } else {
            format!("\"{k}\"")
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn fuzzed_manifests_never_panic(
        entries in prop::collection::vec(arb_entry(), 0..12),
        params in prop::collection::vec(prop::sample::select(vec!["ShardCount", "BatchSize", "Nope", "Emitter"]), 0..3),
        extra in "(|vars: \\{\\}|outputs: x|defaults: \\{ShardCount: [a-z0-9]{0,3}\\}|rules: \\[\\])",
    ) {
        let text = format!(
            "id: mine\ndescription: d\nparameters: [{}]\nblocks: [{}]\n{extra}\n",
            params.join(", "),
            entries.join(", ")
        );
        if let Ok(m) = parse("mine", &text) {
            // Whatever composes renders or fails with an error value, never a panic.
            let _ = render_manifest(&m, &RenderOptions::default());
        }
    }

    #[test]
    fn arbitrary_manifest_text_never_panics(text in ".{0,400}") {
        let _ = parse("mine", &text);
    }
}

#[test]
fn user_manifests_are_found_by_name_and_listed_after_the_built_in_patterns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        examples_dir().join("api-lambda-archive.yaml"),
        dir.path().join("api-lambda-archive.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        manifest("[alarm-topic, stream-alarms]").replace("id: mine", "id: broken"),
    )
    .unwrap();
    // Not a manifest.
    std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
    let m = Manifest::load("api-lambda-archive", Some(dir.path())).unwrap();
    assert_eq!(m.id, "api-lambda-archive");
    let list = streamstack::pattern::list_patterns(Some(dir.path()));
    let ids: Vec<&str> = list.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "apigw-kds-lambda",
            "kpl-kds-kda",
            "kds-kdf-s3",
            "kds-kda-apigw",
            "streaming-etl",
            "api-lambda-archive",
            "broken"
        ]
    );
    assert!(list[5].manifest.is_ok());
    let err = list[6].manifest.as_ref().unwrap_err();
    assert!(err.contains("block `stream-alarms` needs stream"), "{err}");
    // An unknown name says where a manifest would be found.
    let e = Manifest::load("nope", Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown pattern `nope`") && e.contains("patterns/nope.yaml"),
        "{e}"
    );
    // A path is not a name.
    assert!(Manifest::load("../api-lambda-archive", Some(dir.path())).is_err());
}

#[test]
fn the_readme_s_five_line_pattern_composes_and_renders() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("```yaml\nid: my-archive\n")
        .expect("README shows the my-archive manifest")
        + "```yaml\n".len();
    let text = &readme[start..start + readme[start..].find("```").unwrap()];
    assert_eq!(text.lines().count(), 5, "five lines:\n{text}");
    let m = parse("my-archive", text).unwrap();
    let r = render_manifest(&m, &RenderOptions::default()).unwrap();
    assert_eq!(r.template["Parameters"]["Emitter"]["Default"], "dynamodb");
    assert!(r.template["Resources"]["DeliveryStream"].is_object());
    assert!(r.template["Resources"]["ProxyApi"].is_object());
}
