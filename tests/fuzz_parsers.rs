//! Property-based fuzzing of every parser that sees user input: `--param` arguments, parameter
//! values, manifests, `Fn::Sub` strings, fragments from `--templates DIR`, the template
//! checker on arbitrary JSON, and the Flink application's log lines. None may panic; errors
//! must be values.

use proptest::prelude::*;
use serde_json::Value;
use streamstack::pattern::sources::embedded_files;
use streamstack::pattern::{parse_override, Manifest, PATTERN_IDS};
use streamstack::render::check::{check, sub_variables};
use streamstack::render::{render_pattern, RenderOptions};

fn embedded(path: &str) -> &'static str {
    embedded_files().iter().find(|(p, _)| *p == path).unwrap().1
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "(Ref|Fn::Sub|Fn::GetAtt|Fn::If|Condition|DependsOn|\\$\\{[A-Za-z.:!]{0,12}\\}|[a-zA-Z*]{0,8})".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                "(Ref|Fn::Sub|Fn::GetAtt|Fn::If|Condition|DependsOn|Type|Properties|Resources|Parameters|Conditions|Outputs|Statement|Action|Resource|Effect|Sid|Metadata|[A-Z][a-z]{0,6})",
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn param_arguments_never_panic(arg in ".*") {
        let _ = parse_override(&arg);
    }

    #[test]
    fn parameter_values_never_panic(value in ".*", which in 0usize..4) {
        let m = Manifest::load(PATTERN_IDS[which], None).unwrap();
        for p in &m.parameters {
            let _ = m.check_overrides(&[(p.name.clone(), value.clone())]);
        }
    }

    #[test]
    fn sub_strings_never_panic(s in ".*") {
        for v in sub_variables(&s) {
            prop_assert!(s.contains(v));
        }
    }

    #[test]
    fn the_checker_never_panics_on_any_json(v in arb_json()) {
        let _ = check(&v);
    }

    #[test]
    fn arbitrary_manifest_text_never_panics(text in ".{0,400}") {
        let _ = Manifest::parse("kds-kdf-s3", embedded("patterns/shared.yaml"), &text);
    }

    #[test]
    fn mutated_manifests_never_panic(pos in 0usize..4000, cut in 0usize..40, insert in ".{0,8}") {
        let original = embedded("patterns/kds-kda-apigw.yaml");
        let mut chars: Vec<char> = original.chars().collect();
        let at = pos.min(chars.len());
        let end = (at + cut).min(chars.len());
        chars.splice(at..end, insert.chars());
        let text: String = chars.into_iter().collect();
        let _ = Manifest::parse("kds-kda-apigw", embedded("patterns/shared.yaml"), &text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A user's `--templates DIR` fragment, damaged anywhere: an error or a checked template.
    #[test]
    fn mutated_fragments_never_panic(pos in 0usize..3000, cut in 0usize..30, insert in "[{}\\[\\]\",:a-zA-Z$#/ ]{0,6}") {
        let original = embedded("templates/stream.json.hbs");
        let mut chars: Vec<char> = original.chars().collect();
        let at = pos.min(chars.len());
        let end = (at + cut).min(chars.len());
        chars.splice(at..end, insert.chars());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("stream.json.hbs"), chars.into_iter().collect::<String>()).unwrap();
        let opts = RenderOptions { templates_dir: Some(dir.path().to_path_buf()), ..RenderOptions::default() };
        let _ = render_pattern("kds-kdf-s3", &opts);
    }

    /// The Flink application's log lines come from the job: any text, JSON or not, at any time.
    #[test]
    fn flink_log_lines_never_panic(
        raw in prop_oneof![
            ".*",
            arb_json().prop_map(|v| v.to_string()),
            "\\{\"messageType\":\"(ERROR|INFO|)\",\"message\":\"[a-z \\\\n]{0,20}\",\"throwableInformation\":(\"[a-zA-Z:. \\\\n\\\\t]{0,40}\"|\\[\"[a-z]{0,5}\"\\]|3)\\}",
        ],
        time in any::<i64>(),
    ) {
        let line = streamstack::flink::log::parse(time, &raw);
        let _ = streamstack::flink::log::root_cause(std::slice::from_ref(&line));
        let _ = streamstack::flink::log::restarts(&[line]);
        let _ = streamstack::flink::log::LogStream::from_arn(&raw);
    }
}
