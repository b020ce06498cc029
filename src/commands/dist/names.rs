//! Checks of the names `dist` bakes into templates and keys: S3 bucket naming rules and key
//! segments made only of the characters S3 documents as safe.

/// Longest region suffix `-<region>` appended to the bucket base name (e.g. `-ap-southeast-5`).
const REGION_SUFFIX: usize = 15;

/// Checks a bucket base name: with `-<region>` appended it must be a valid S3 bucket name.
pub fn check_bucket(name: &str) -> Result<(), String> {
    let max = 63 - REGION_SUFFIX;
    let allowed = format!(
        "allowed: 3-{max} lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit (dist appends -<region>)"
    );
    let bad = |why: &str| {
        Err(format!(
            "bucket `{name}` is not a valid S3 bucket name ({why}); {allowed}"
        ))
    };
    if name.len() < 3 || name.len() > max {
        return bad("length");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        return bad("characters");
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return bad("first or last character");
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return bad("adjacent dots");
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return bad("formatted like an IP address");
    }
    if name.starts_with("xn--") || name.starts_with("sthree-") || name.starts_with("amzn-s3-demo-")
    {
        return bad("reserved prefix");
    }
    Ok(())
}

/// Checks one segment of an S3 key (`what` names it in the error: solution name, version).
pub fn check_key_segment(what: &str, value: &str) -> Result<(), String> {
    let allowed = "allowed: 1-100 letters, digits and ! _ . * ' ( ) -, not `.` or `..`";
    if value.is_empty() || value.len() > 100 || value == "." || value == ".." {
        return Err(format!("{what} `{value}` is not allowed; {allowed}"));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "!_.*'()-".contains(*c)))
    {
        return Err(format!("{what} `{value}` contains `{c}`; {allowed}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_the_s3_rules() {
        for ok in ["my-bucket", "abc", "a.b-c.d1", "solutions-reference"] {
            assert!(check_bucket(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ab",
            "My-Bucket",
            "-abc",
            "abc-",
            "a..b",
            "a.-b",
            "192.168.1.10",
            "xn--abc",
            "a_b",
            &"a".repeat(49),
        ] {
            assert!(check_bucket(bad).is_err(), "{bad}");
        }
        let err = check_bucket("Bad_Name").unwrap_err();
        assert!(
            err.contains("`Bad_Name`") && err.contains("allowed:"),
            "{err}"
        );
    }

    #[test]
    fn key_segments_use_safe_characters() {
        for ok in ["streaming-data-solution", "v1.4.2", "v1_0(rc)"] {
            assert!(check_key_segment("version", ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "v1/2", "v 1", "v1?", "ü"] {
            assert!(check_key_segment("version", bad).is_err(), "{bad}");
        }
        assert!(check_key_segment("version", "v1/2")
            .unwrap_err()
            .contains("contains `/`"));
    }
}
