//! The asset bucket: a user-given one, or the managed default `streamstack-assets-<account>-<region>`
//! created on first use with encryption, versioning, public access blocked and a TLS-only policy.

use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};

use crate::aws::{describe, AwsError};

/// Name of the managed asset bucket for an account and region.
pub fn managed_bucket_name(account: &str, region: &str) -> String {
    format!("streamstack-assets-{account}-{region}")
}

/// Makes sure `bucket` exists. A missing managed bucket is created and secured; a missing
/// user-given bucket is an error (streamstack does not create buckets it was not asked to manage).
pub async fn ensure(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    region: &str,
    managed: bool,
) -> anyhow::Result<bool> {
    match s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => return Ok(false),
        Err(e) => {
            let e = AwsError::new(format!("asset bucket `{bucket}` is not accessible"), &e);
            if !e.is_not_found() {
                return Err(e.into());
            }
            if !managed {
                anyhow::bail!("asset bucket `{bucket}` does not exist; create it or omit --bucket to use the managed bucket");
            }
        }
    }
    let mut create = s3.create_bucket().bucket(bucket);
    if region != "us-east-1" {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    create
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot create asset bucket `{bucket}`: {}", describe(&e)))?;
    secure(s3, bucket, region).await?;
    Ok(true)
}

async fn secure(s3: &aws_sdk_s3::Client, bucket: &str, region: &str) -> anyhow::Result<()> {
    let fail = |what: &str, e: String| {
        anyhow::anyhow!("created asset bucket `{bucket}` but could not {what}: {e}")
    };
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::Aes256)
                .build()
                .map_err(|e| fail("build encryption settings", e.to_string()))?,
        )
        .build();
    s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()
                .map_err(|e| fail("build encryption settings", e.to_string()))?,
        )
        .send()
        .await
        .map_err(|e| fail("turn on encryption", describe(&e)))?;
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|e| fail("turn on versioning", describe(&e)))?;
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .block_public_policy(true)
                .ignore_public_acls(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(|e| fail("block public access", describe(&e)))?;
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(tls_only_policy(bucket, region))
        .send()
        .await
        .map_err(|e| fail("set the TLS-only policy", describe(&e)))?;
    Ok(())
}

/// The ARN partition of a region (`aws`, `aws-cn`, `aws-us-gov`).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// A bucket policy that denies every request not made over TLS.
pub fn tls_only_policy(bucket: &str, region: &str) -> String {
    let p = partition(region);
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyWithoutTls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:{p}:s3:::{bucket}"), format!("arn:{p}:s3:::{bucket}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
    .to_string()
}
