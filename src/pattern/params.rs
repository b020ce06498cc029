//! `--param K=V` parsing and the parameter constraint checks CloudFormation would apply.

use super::Error;
use super::Parameter;

/// A parsed `--param NAME=VALUE` argument.
pub type ParamOverride = (String, String);

/// Parses `NAME=VALUE` (the value may be empty and may contain `=`).
pub fn parse_override(arg: &str) -> Result<ParamOverride, Error> {
    match arg.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(Error::BadParameterSyntax {
            arg: arg.to_string(),
        }),
    }
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Checks `value` against the constraints of `param`; the error says what is allowed.
pub fn check_value(param: &Parameter, value: &str) -> Result<(), String> {
    if !param.allowed_values.is_empty() && !param.allowed_values.iter().any(|v| v == value) {
        return Err(format!(
            "allowed values: {}",
            param.allowed_values.join(", ")
        ));
    }
    match param.kind.as_str() {
        "Number" => {
            let n: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| "must be a number".to_string())?;
            let range = || match (param.min_value, param.max_value) {
                (Some(lo), Some(hi)) => {
                    format!("must be between {} and {}", fmt_num(lo), fmt_num(hi))
                }
                (Some(lo), None) => format!("must be at least {}", fmt_num(lo)),
                (None, Some(hi)) => format!("must be at most {}", fmt_num(hi)),
                (None, None) => String::new(),
            };
            if param.min_value.is_some_and(|lo| n < lo) || param.max_value.is_some_and(|hi| n > hi)
            {
                return Err(range());
            }
        }
        "AWS::EC2::VPC::Id" => check_prefixed(value, "vpc-")?,
        "AWS::EC2::Subnet::Id" => check_prefixed(value, "subnet-")?,
        "List<AWS::EC2::Subnet::Id>" => check_list(value, "subnet-")?,
        "List<AWS::EC2::SecurityGroup::Id>" => check_list(value, "sg-")?,
        kind if kind.starts_with("AWS::SSM::Parameter::Value<")
            && !value.starts_with('/')
            && !value.starts_with("ami-") =>
        {
            return Err("must be an SSM parameter name starting with `/` or an AMI id".to_string());
        }
        _ => {}
    }
    let len = value.chars().count() as u64;
    if param.min_length.is_some_and(|lo| len < lo) || param.max_length.is_some_and(|hi| len > hi) {
        return Err(format!(
            "length must be between {} and {} characters",
            param.min_length.unwrap_or(0),
            param
                .max_length
                .map_or_else(|| "any number of".to_string(), |n| n.to_string())
        ));
    }
    if let Some(pattern) = &param.allowed_pattern {
        let re = regex::Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| format!("the manifest's AllowedPattern is invalid: {e}"))?;
        if !re.is_match(value) {
            return Err(param
                .constraint_description
                .clone()
                .unwrap_or_else(|| format!("must match {pattern}")));
        }
    }
    Ok(())
}

fn check_prefixed(value: &str, prefix: &str) -> Result<(), String> {
    let rest = value.strip_prefix(prefix).unwrap_or("");
    if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("must look like {prefix}0123456789abcdef0"));
    }
    Ok(())
}

fn check_list(value: &str, prefix: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    value
        .split(',')
        .try_for_each(|item| check_prefixed(item.trim(), prefix))
        .map_err(|e| format!("a comma-separated list whose items {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(lo: f64, hi: f64) -> Parameter {
        Parameter {
            name: "N".into(),
            kind: "Number".into(),
            default: None,
            description: String::new(),
            allowed_values: vec![],
            min_value: Some(lo),
            max_value: Some(hi),
            min_length: None,
            max_length: None,
            allowed_pattern: None,
            constraint_description: None,
            label: String::new(),
            group: String::new(),
        }
    }

    #[test]
    fn numbers_are_range_checked() {
        let p = number(1.0, 200.0);
        assert!(check_value(&p, "1").is_ok());
        assert!(check_value(&p, "200").is_ok());
        assert_eq!(
            check_value(&p, "201").unwrap_err(),
            "must be between 1 and 200"
        );
        assert_eq!(
            check_value(&p, "0").unwrap_err(),
            "must be between 1 and 200"
        );
        assert_eq!(check_value(&p, "two").unwrap_err(), "must be a number");
        assert_eq!(check_value(&p, "NaN").unwrap_err(), "must be a number");
    }

    #[test]
    fn allowed_values_are_listed() {
        let mut p = number(0.0, 1.0);
        p.kind = "String".into();
        p.allowed_values = vec!["true".into(), "false".into()];
        assert_eq!(
            check_value(&p, "yes").unwrap_err(),
            "allowed values: true, false"
        );
        assert!(check_value(&p, "true").is_ok());
    }

    #[test]
    fn override_syntax() {
        assert_eq!(parse_override("A=b=c").unwrap(), ("A".into(), "b=c".into()));
        assert_eq!(parse_override("A=").unwrap(), ("A".into(), String::new()));
        assert!(parse_override("=x").is_err());
        assert!(parse_override("novalue").is_err());
    }

    #[test]
    fn aws_id_types() {
        let mut p = number(0.0, 1.0);
        p.kind = "AWS::EC2::VPC::Id".into();
        assert!(check_value(&p, "vpc-0abc").is_ok());
        assert!(check_value(&p, "subnet-0abc").is_err());
        p.kind = "List<AWS::EC2::Subnet::Id>".into();
        assert!(check_value(&p, "").is_ok());
        assert!(check_value(&p, "subnet-1,subnet-2").is_ok());
        assert!(check_value(&p, "subnet-1,vpc-2").is_err());
    }
}
