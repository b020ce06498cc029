//! Pattern 1's proxy API turns `POST /record` and `POST /records` into Kinesis `PutRecord` /
//! `PutRecords` bodies with VTL request templates. Issue #11: a partition key with an apostrophe
//! was lost, because `$util.escapeJavaScript` turns `'` into `\'`, which is not valid JSON, so
//! Kinesis answered 400 and the record was gone.
//!
//! The emulator does not run API Gateway mapping templates, so the rendered templates are
//! evaluated here by a small evaluator of just the constructs they use (see [`render`]), and the
//! body they produce must parse as JSON and carry the caller's partition key unchanged.

use base64::Engine as _;
use serde_json::{json, Value};
use streamstack::render::{render_pattern, RenderOptions};

const STREAM: &str = "orders-DataStream-0123456789";

/// How [`escape_javascript`] writes characters outside ASCII. The API Gateway reference says only
/// "escapes the characters in a string using JavaScript string rules", which allow both; the
/// templates must work either way.
#[derive(Debug, Clone, Copy)]
enum NonAscii {
    AsIs,
    Escaped,
}

/// `$util.escapeJavaScript()`, per the API Gateway mapping template reference ("Escapes the
/// characters in a string using JavaScript string rules. This function will turn any regular
/// single quotes (') into escaped ones (\')"): `\` `"` `'` and control characters are escaped;
/// other characters are written as they are, or as `\uXXXX` UTF-16 units ([`NonAscii`]).
fn escape_javascript(s: &str, non_ascii: NonAscii) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if !c.is_ascii() && matches!(non_ascii, NonAscii::Escaped) => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Java's `String.replaceAll(regex, replacement)` for what the templates pass it: a regex made of
/// literal characters and backslash-escaped characters, and a replacement without `$` or `\`.
/// Anything else is refused, so the evaluator never guesses.
fn replace_all(s: &str, regex: &str, replacement: &str) -> String {
    let mut literal = String::new();
    let mut chars = regex.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => literal.push(chars.next().expect("regex ends with a lone backslash")),
            '.' | '[' | ']' | '{' | '}' | '(' | ')' | '*' | '+' | '?' | '^' | '$' | '|' => {
                panic!("evaluator supports literal regexes only, not {regex:?}")
            }
            c => literal.push(c),
        }
    }
    assert!(
        !replacement.contains(['$', '\\']),
        "evaluator supports plain replacements only, not {replacement:?}"
    );
    s.replace(&literal, replacement)
}

/// Reads `"..."` (a VTL string literal, taken verbatim: Velocity does not process backslash
/// escapes in string literals) at the start of `s`; returns it and the rest.
fn string_literal(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    let body = s.strip_prefix('"').expect("string literal");
    let end = body.find('"').expect("unterminated string literal");
    (&body[..end], &body[end + 1..])
}

/// The value of `$input.path('$.name')` or `$elem.name`.
fn reference(r: &str, body: &Value, elem: Option<&Value>) -> String {
    let value = if let Some(path) = r
        .strip_prefix("$input.path('$.")
        .and_then(|p| p.strip_suffix("')"))
    {
        &body[path]
    } else if let Some(field) = r.strip_prefix("$elem.") {
        &elem.expect("$elem outside #foreach")[field]
    } else {
        panic!("evaluator does not support the reference {r}")
    };
    value.as_str().expect("string field").to_string()
}

/// Expands the `$util` calls of `text` (no directives left).
fn expand(text: &str, body: &Value, elem: Option<&Value>, non_ascii: NonAscii) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(['$', '#']) {
        out.push_str(&rest[..at]);
        let call = &rest[at..];
        let Some(call) = call.strip_prefix("$util.") else {
            panic!("evaluator does not support {call:?}")
        };
        let open = call.find('(').expect("call without (");
        let name = &call[..open];
        // The argument ends at the parenthesis that closes the call (quotes may hold parentheses).
        let (mut depth, mut quote, mut close) = (0, None, None);
        for (i, c) in call[open..].char_indices() {
            match (c, quote) {
                ('\'' | '"', None) => quote = Some(c),
                (c, Some(q)) if c == q => quote = None,
                ('(', None) => depth += 1,
                (')', None) => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let close = close.expect("unbalanced call");
        let arg = reference(&call[open + 1..close], body, elem);
        let mut value = match name {
            "escapeJavaScript" => escape_javascript(&arg, non_ascii),
            "base64Encode" => base64::engine::general_purpose::STANDARD.encode(arg.as_bytes()),
            other => panic!("evaluator does not support $util.{other}"),
        };
        rest = &call[close + 1..];
        while let Some(args) = rest.strip_prefix(".replaceAll(") {
            let (regex, args) = string_literal(args);
            let args = args.trim_start().strip_prefix(',').expect("two arguments");
            let (replacement, args) = string_literal(args);
            value = replace_all(&value, regex, replacement);
            rest = args
                .trim_start()
                .strip_prefix(')')
                .expect("replaceAll without )");
        }
        out.push_str(&value);
    }
    out.push_str(rest);
    out
}

/// Evaluates one request template (the `Fn::Sub` text of the rendered template) for one request
/// body, as CloudFormation and then API Gateway would. It knows only what the proxy templates use:
/// `${DataStream}`, `#foreach($elem in $input.path('$.records'))...#end` with
/// `#if($foreach.hasNext),#end`, `$input.path('$.x')`, `$elem.x`, `$util.base64Encode()`,
/// `$util.escapeJavaScript()` and `.replaceAll()` on its result; anything else panics.
fn render(template: &str, body: &Value, non_ascii: NonAscii) -> String {
    let template = template.replace("${DataStream}", STREAM);
    assert!(!template.contains("${"), "unexpected Fn::Sub variable");
    const FOREACH: &str = "#foreach($elem in $input.path('$.records'))";
    let Some(start) = template.find(FOREACH) else {
        return expand(&template, body, None, non_ascii);
    };
    let after = &template[start + FOREACH.len()..];
    let end = after.rfind("#end").expect("#foreach without #end");
    let items = body["records"].as_array().expect("records array");
    let mut out = expand(&template[..start], body, None, non_ascii);
    for (i, elem) in items.iter().enumerate() {
        let separator = if i + 1 < items.len() { "," } else { "" };
        let inner = after[..end].replace("#if($foreach.hasNext),#end", separator);
        out.push_str(&expand(&inner, body, Some(elem), non_ascii));
    }
    out.push_str(&expand(&after[end + 4..], body, None, non_ascii));
    out
}

fn request_template(method: &str) -> String {
    let t = render_pattern("apigw-kds-lambda", &RenderOptions::default()).unwrap();
    t["Resources"][method]["Properties"]["Integration"]["RequestTemplates"]["application/json"]
        ["Fn::Sub"]
        .as_str()
        .unwrap_or_else(|| panic!("{method} has no request template"))
        .to_string()
}

const KEYS: [&str; 8] = [
    "O'Brien",
    "'",
    "\\'",
    "say \"hi\"",
    "back\\slash/and/slashes",
    "tab\tnew\nline\u{1}",
    "päivää-日本-ключ-🚀",
    "it's \"all\" \\ of 'em",
];

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
}

fn parse(body: &str, key: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| {
        panic!(
            "partition key {key:?}: the body sent to Kinesis is not JSON ({e}); with an apostrophe \
             this is issue #11's lost record (escapeJavaScript writes \\' and Kinesis answers 400):\n{body}"
        )
    })
}

#[test]
fn put_record_keeps_every_partition_key() {
    let template = request_template("RecordMethod");
    for non_ascii in [NonAscii::AsIs, NonAscii::Escaped] {
        for key in KEYS {
            let data = format!("payload for {key}");
            let body = render(
                &template,
                &json!({"data": data, "partitionKey": key}),
                non_ascii,
            );
            let sent = parse(&body, key);
            assert_eq!(
                sent,
                json!({"StreamName": STREAM, "Data": b64(&data), "PartitionKey": key}),
                "{non_ascii:?}"
            );
        }
    }
}

#[test]
fn put_records_keeps_every_partition_key() {
    let template = request_template("RecordsMethod");
    for non_ascii in [NonAscii::AsIs, NonAscii::Escaped] {
        let records: Vec<Value> = KEYS
            .iter()
            .map(|k| json!({"data": format!("d-{k}"), "partitionKey": k}))
            .collect();
        let body = render(&template, &json!({"records": records}), non_ascii);
        let sent = parse(&body, "all keys at once");
        let expected: Vec<Value> = KEYS
            .iter()
            .map(|k| json!({"Data": b64(&format!("d-{k}")), "PartitionKey": k}))
            .collect();
        assert_eq!(
            sent,
            json!({"StreamName": STREAM, "Records": expected}),
            "{non_ascii:?}"
        );
        // One record: no separator.
        let body = render(
            &template,
            &json!({"records": [{"data": "x", "partitionKey": "O'Brien"}]}),
            non_ascii,
        );
        assert_eq!(
            parse(&body, "O'Brien")["Records"][0]["PartitionKey"],
            "O'Brien"
        );
    }
}

/// The evaluator sees the defect: without the reference's `.replaceAll("\\'","'")` an apostrophe
/// makes the body invalid JSON, as it did in API Gateway.
#[test]
fn the_evaluator_rejects_the_unfixed_template() {
    let fixed = request_template("RecordMethod");
    let unfixed = fixed.replace(".replaceAll(\"\\\\'\",\"'\")", "");
    assert_ne!(
        fixed, unfixed,
        "the template no longer has the documented fix"
    );
    let body = render(
        &unfixed,
        &json!({"data": "x", "partitionKey": "O'Brien"}),
        NonAscii::AsIs,
    );
    assert!(body.contains("O\\'Brien"), "{body}");
    assert!(serde_json::from_str::<Value>(&body).is_err(), "{body}");
}
