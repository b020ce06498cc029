//! Golden files: the rendered templates must not change unless someone means it.
//! After an intended change, regenerate with `UPDATE_GOLDEN=1 cargo test --test golden` and
//! review the diff of `tests/golden/` like any other code change.

use std::path::Path;

use streamstack::pattern::PATTERN_IDS;
use streamstack::render::{render_pattern, to_json, RenderOptions};

#[test]
fn rendered_templates_match_the_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut changed = Vec::new();
    for id in PATTERN_IDS {
        let text = to_json(&render_pattern(id, &RenderOptions::default()).unwrap());
        let path = dir.join(format!("{id}.template"));
        if update {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run UPDATE_GOLDEN=1 cargo test --test golden",
                path.display()
            )
        });
        if golden != text {
            let line = golden
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .map_or(golden.lines().count().min(text.lines().count()), |i| i)
                + 1;
            changed.push(format!("{id} (first difference at line {line})"));
        }
    }
    assert!(
        changed.is_empty(),
        "rendered output changed: {}; if intended, run UPDATE_GOLDEN=1 cargo test --test golden",
        changed.join(", ")
    );
}
