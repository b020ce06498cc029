//! The `bootstrap` binary refuses bad settings at init with one line on stderr.

use std::process::Command;

fn init_error(vars: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_consumer-function"));
    cmd.env_clear();
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run bootstrap");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_settings_fail_init_with_one_line() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("EMITTER", "kafka")],
            "invalid EMITTER=\"kafka\": allowed log, s3, dynamodb or opensearch\n",
        ),
        (
            &[("BUFFER_MAX_RECORDS", "0")],
            "invalid BUFFER_MAX_RECORDS=\"0\": allowed an integer from 1 to 1000000\n",
        ),
        (
            &[("EMITTER", "s3")],
            "missing OUTPUT_BUCKET: EMITTER=s3 writes to this bucket\n",
        ),
        (
            &[("EMITTER", "dynamodb"), ("DYNAMODB_TABLE", "t")],
            "missing DYNAMODB_PARTITION_KEY: EMITTER=dynamodb takes each item's partition key from this field\n",
        ),
        (
            &[
                ("EMITTER", "opensearch"),
                ("OPENSEARCH_ENDPOINT", "http://search.example.com"),
                ("OPENSEARCH_INDEX", "trips"),
                ("OPENSEARCH_ID_FIELD", "id"),
            ],
            "invalid OPENSEARCH_ENDPOINT=\"http://search.example.com\": allowed https://HOST[:PORT] (the domain endpoint; http:// only for 127.0.0.1 or localhost)\n",
        ),
        // A valid configuration whose client cannot be built: no region.
        (
            &[
                ("EMITTER", "dynamodb"),
                ("DYNAMODB_TABLE", "t"),
                ("DYNAMODB_PARTITION_KEY", "id"),
            ],
            "missing AWS_REGION: EMITTER=dynamodb needs the region (Lambda sets it)\n",
        ),
    ];
    for (vars, expected) in cases {
        let (code, stderr) = init_error(vars);
        assert_eq!(code, 1, "{vars:?}");
        assert_eq!(stderr, *expected);
    }
}
