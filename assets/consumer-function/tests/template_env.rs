//! The pattern 1 template and the function agree: the environment `templates/consumer.json.hbs`
//! gives the function, resolved for each `Emitter` value with the parameters' defaults, is a
//! configuration the function accepts and means what the template wants (a misspelt variable
//! would otherwise only show when a deployed function fails its init).

use std::collections::HashMap;
use std::path::Path;

use consumer_function::config::{Compression, Config, EmitterKind, IndexFrom, KeyType};
use serde_json::Value;

/// The defaults of `patterns/apigw-kds-lambda.yaml` the environment refers to, plus the two
/// OpenSearch values a user must give, and stand-ins for the bucket and table names.
fn value_of(reference: &str) -> String {
    match reference {
        "OutputBucket" => "stack-outputbucket-1".into(),
        "OutputTable" => "stack-OutputTable-1".into(),
        "OutputPrefix" => "data/".into(),
        "OutputCompression" => "gzip".into(),
        "DynamoDbPartitionKey" => "id".into(),
        "DynamoDbPartitionKeyType" | "DynamoDbSortKeyType" => "S".into(),
        "DynamoDbSortKey" | "OpenSearchIndexField" => String::new(),
        "OpenSearchDomainEndpoint" => "https://search-orders-abc.eu-west-1.es.amazonaws.com".into(),
        "OpenSearchIndex" => "streamstack".into(),
        "OpenSearchIdField" => "id".into(),
        other => panic!("the consumer's environment refers to {other}, unknown to this test"),
    }
}

fn resolve(v: &Value, emitter: &str) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("Ref") {
                return if r == "Emitter" {
                    emitter.to_owned()
                } else {
                    value_of(r)
                };
            }
            let args = m["Fn::If"].as_array().expect("Ref or Fn::If");
            let on = match args[0].as_str().expect("condition") {
                "EmitToS3" => emitter == "s3",
                "EmitToDynamoDb" => emitter == "dynamodb",
                "EmitToOpenSearch" => emitter == "opensearch",
                "HasOpenSearchIndexField" => !value_of("OpenSearchIndexField").is_empty(),
                other => panic!("unknown condition {other}"),
            };
            resolve(&args[if on { 1 } else { 2 }], emitter)
        }
        other => panic!("unexpected value {other}"),
    }
}

/// `text` with every `{{#if block.options.NAME}}A{{else}}B{{/if}}` replaced by `B` (or by nothing
/// without an `{{else}}`): the fragment as rendered with no block option set.
fn without_option_sections(text: &str) -> String {
    const OPEN: &str = "{{#if block.options.";
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let body = &rest[start..];
        let head_end = body.find("}}").expect("an option section's head ends") + 2;
        // Find this section's `{{else}}` and `{{/if}}`, skipping nested `{{#if` sections.
        let (mut depth, mut i, mut else_at) = (0usize, head_end, None);
        let end = loop {
            let next = body[i..].find("{{").expect("an option section ends") + i;
            let tag = &body[next..];
            if tag.starts_with("{{#if") {
                depth += 1;
            } else if tag.starts_with("{{/if}}") {
                if depth == 0 {
                    break next;
                }
                depth -= 1;
            } else if tag.starts_with("{{else}}") && depth == 0 {
                else_at = Some(next);
            }
            i = next + 2;
        };
        if let Some(e) = else_at {
            out.push_str(&body[e + "{{else}}".len()..end]);
        }
        rest = &body[end + "{{/if}}".len()..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_templates_environment_is_a_configuration_the_function_accepts() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/consumer.json.hbs");
    let text = std::fs::read_to_string(&path).expect("read the template fragment");
    // The fragment's handlebars expressions sit inside JSON strings, except the block options'
    // sections (`{{#if block.options.NAME}}`), taken here in their default state: off.
    let text = without_option_sections(&text);
    let fragment: Value = serde_json::from_str(&text).expect("the fragment is JSON");
    let variables = fragment["Resources"]["ConsumerFunction"]["Properties"]["Environment"]
        ["Variables"]
        .as_object()
        .expect("variables");
    for emitter in ["log", "s3", "dynamodb", "opensearch"] {
        let env: HashMap<String, String> = variables
            .iter()
            .map(|(k, v)| (k.clone(), resolve(v, emitter)))
            .collect();
        let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap_or_else(|e| {
            panic!("Emitter={emitter}: the function refuses the template's environment: {e}")
        });
        match (emitter, &config.emitter) {
            ("log", EmitterKind::Log) => {}
            (
                "s3",
                EmitterKind::S3 {
                    bucket,
                    prefix,
                    compression,
                },
            ) => {
                assert_eq!(bucket, "stack-outputbucket-1");
                assert_eq!(prefix, "data/");
                assert_eq!(*compression, Compression::Gzip);
            }
            ("dynamodb", EmitterKind::DynamoDb(d)) => {
                assert_eq!(d.table, "stack-OutputTable-1");
                assert_eq!(
                    (d.partition_key.name.as_str(), d.partition_key.kind),
                    ("id", KeyType::S)
                );
                assert_eq!(
                    d.sort_key, None,
                    "an empty DynamoDbSortKey means no sort key"
                );
            }
            ("opensearch", EmitterKind::OpenSearch(o)) => {
                assert_eq!(
                    o.endpoint,
                    "https://search-orders-abc.eu-west-1.es.amazonaws.com"
                );
                assert_eq!(o.index, IndexFrom::Fixed("streamstack".into()));
                assert_eq!(o.id_field, "id");
            }
            (e, other) => panic!("Emitter={e} configured {other:?}"),
        }
        assert_eq!(config.buffer_max_records, 500);
    }
}
