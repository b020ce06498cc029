//! The producer instance's VPC and subnet (`ProducerVpcId`, `ProducerSubnetId`) when `deploy` is
//! not given them: the values the stack already has on an update, else the region's default VPC
//! and one of its subnets (EC2 DescribeVpcs and DescribeSubnets, read-only), said on one line.
//! Given one of the two, the other is found from it.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{Filter, Subnet};

use crate::aws::{sdk_error, AwsError};
use crate::error::UsageError;
use crate::output::Printer;

/// The two parameters.
pub const VPC: &str = "ProducerVpcId";
/// See [`VPC`].
pub const SUBNET: &str = "ProducerSubnetId";

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn no_network(region: &str, why: &str) -> anyhow::Error {
    UsageError(format!(
        "region {region} {why}: pass --param {VPC}=VPC_ID --param {SUBNET}=SUBNET_ID"
    ))
    .into()
}

/// The subnet to use of `subnets`: a default subnet first, then by availability zone and id, so
/// the same region gives the same choice.
fn pick(subnets: &[Subnet]) -> Option<&Subnet> {
    subnets.iter().min_by_key(|s| {
        (
            !s.default_for_az().unwrap_or(false),
            s.availability_zone().unwrap_or("").to_string(),
            s.subnet_id().unwrap_or("").to_string(),
        )
    })
}

async fn subnets_of(ec2: &aws_sdk_ec2::Client, vpc: &str) -> anyhow::Result<Vec<Subnet>> {
    let out = ec2
        .describe_subnets()
        .filters(filter("vpc-id", vpc))
        .send()
        .await
        .map_err(|e| sdk_error(format!("cannot list the subnets of {vpc}"), &e))?;
    Ok(out.subnets().to_vec())
}

/// Fills in `ProducerVpcId` / `ProducerSubnetId` in `parameters` when missing: from `previous`
/// (the stack's current parameters), else from EC2. No default VPC, or a VPC without subnets, is
/// one line naming both parameters (exit code 2).
pub async fn complete(
    config: &SdkConfig,
    parameters: &mut BTreeMap<String, String>,
    previous: &[(String, String)],
    out: &Printer,
) -> anyhow::Result<()> {
    let missing = |p: &BTreeMap<String, String>| !p.contains_key(VPC) || !p.contains_key(SUBNET);
    if !missing(parameters) {
        return Ok(());
    }
    for (k, v) in previous {
        if (k == VPC || k == SUBNET) && !parameters.contains_key(k) && !v.is_empty() {
            parameters.insert(k.clone(), v.clone());
        }
    }
    if !missing(parameters) {
        return Ok(());
    }
    let region = config.region().map(|r| r.to_string()).unwrap_or_default();
    let ec2 = aws_sdk_ec2::Client::new(config);
    let (vpc, subnet, how) = match (parameters.get(VPC), parameters.get(SUBNET)) {
        (None, None) => {
            let vpcs = ec2
                .describe_vpcs()
                .filters(filter("is-default", "true"))
                .send()
                .await
                .map_err(|e| sdk_error("cannot look up the default VPC", &e))?;
            let Some(vpc) = vpcs.vpcs().iter().find_map(|v| v.vpc_id()) else {
                return Err(no_network(&region, "has no default VPC"));
            };
            let subnets = subnets_of(&ec2, vpc).await?;
            let Some(s) = pick(&subnets) else {
                return Err(no_network(
                    &region,
                    &format!("has a default VPC {vpc} without subnets"),
                ));
            };
            (vpc.to_string(), s.clone(), "the default VPC")
        }
        (Some(vpc), None) => {
            let subnets = subnets_of(&ec2, vpc).await?;
            let Some(s) = pick(&subnets) else {
                return Err(UsageError(format!(
                    "{VPC} {vpc} has no subnet in region {region}; pass --param {SUBNET}=SUBNET_ID"
                ))
                .into());
            };
            (vpc.clone(), s.clone(), "the given VPC")
        }
        (None, Some(id)) => {
            let found = match ec2.describe_subnets().subnet_ids(id).send().await {
                Ok(o) => o.subnets().first().cloned(),
                Err(e) => {
                    let e = AwsError::new(format!("cannot read subnet {id}"), &e);
                    // EC2 answers InvalidSubnetID.NotFound (or .Malformed) for a subnet it
                    // does not know.
                    if !e.code().is_some_and(|c| c.starts_with("InvalidSubnetID")) {
                        return Err(e.into());
                    }
                    None
                }
            };
            let Some(s) = found else {
                return Err(UsageError(format!(
                    "{SUBNET} {id} does not exist in region {region}; pass a subnet of this region"
                ))
                .into());
            };
            let vpc = s.vpc_id().unwrap_or("").to_string();
            (vpc, s, "the given subnet's VPC")
        }
        (Some(_), Some(_)) => return Ok(()),
    };
    let subnet_id = subnet.subnet_id().unwrap_or("").to_string();
    out.say(
        "info",
        &format!(
            "producer network: {how} {vpc}, subnet {subnet_id} ({}); choose with --param {VPC}=... --param {SUBNET}=...",
            subnet.availability_zone().unwrap_or("?")
        ),
        serde_json::json!({VPC: vpc, SUBNET: subnet_id}),
    );
    parameters.insert(VPC.into(), vpc);
    parameters.insert(SUBNET.into(), subnet_id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subnet(id: &str, az: &str, default: bool) -> Subnet {
        Subnet::builder()
            .subnet_id(id)
            .availability_zone(az)
            .default_for_az(default)
            .build()
    }

    #[test]
    fn a_default_subnet_is_picked_first_then_by_zone() {
        let s = [
            subnet("subnet-3", "us-east-1a", false),
            subnet("subnet-2", "us-east-1c", true),
            subnet("subnet-1", "us-east-1b", true),
        ];
        assert_eq!(pick(&s).and_then(|s| s.subnet_id()), Some("subnet-1"));
        assert!(pick(&[]).is_none());
    }
}
