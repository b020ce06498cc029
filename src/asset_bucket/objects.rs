//! Content-addressed uploads: every asset gets its own key named by its own hash
//! (`<base>assets/<stem>-<sha256 16 hex>.<ext>`, [`crate::assets::Asset::published_name`]), so a
//! changed asset changes only its own key in the template; each object is checked with
//! HeadObject first and skipped when already there, bodies above 8 MiB go multipart, and up to
//! four uploads run at once.

use std::io::IsTerminal;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use futures::stream::{self, StreamExt};

use crate::assets::Asset;
use crate::aws::{describe, AwsError};

/// Objects above this size are uploaded in parts.
pub const MULTIPART_THRESHOLD: usize = 8 * 1024 * 1024;
const PART_SIZE: usize = 8 * 1024 * 1024;
const PARALLEL: usize = 4;

/// Where a set of assets was uploaded: the values of the `AssetBucket` and `AssetPrefix` template
/// parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetLocation {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix, ending with `/`.
    pub prefix: String,
}

/// What an upload did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadReport {
    /// Objects whose bodies were sent.
    pub uploaded: Vec<String>,
    /// Objects already present (HeadObject found them).
    pub unchanged: Vec<String>,
    /// Bytes sent.
    pub bytes_sent: u64,
}

/// The folder of the assets: `<base>assets/`, the same for every asset set. Each asset's key in
/// it carries its own content hash, so a change to one asset gives only that asset a new key:
/// a stack update then touches only the resources that load it (one folder hashed over the whole
/// set gave every asset a new key, restarting the Flink job and the producer instance for a
/// change to a Lambda function).
pub fn assets_prefix(base: &str) -> String {
    format!("{base}assets/")
}

/// The key of `asset` under `prefix` (from [`assets_prefix`]).
pub fn asset_key(prefix: &str, asset: &Asset) -> String {
    format!("{prefix}{}", asset.published_name())
}

/// Uploads `assets` under their own content-hashed keys; returns the location and what was sent.
pub async fn upload_assets(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    base_prefix: &str,
    assets: &[&Asset],
) -> anyhow::Result<(AssetLocation, UploadReport)> {
    let prefix = assets_prefix(base_prefix);
    let tty = std::io::stderr().is_terminal();
    let total: u64 = assets.iter().map(|a| a.bytes.len() as u64).sum();
    let bar = tty.then(|| {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "uploading assets {bar:30} {bytes}/{total_bytes} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let results: Vec<anyhow::Result<(String, bool, u64)>> = stream::iter(assets.iter().map(|a| {
        let key = asset_key(&prefix, a);
        let bar = bar.clone();
        async move {
            let sent = put_if_absent(s3, bucket, &key, &a.bytes).await?;
            match &bar {
                Some(b) => {
                    b.inc(a.bytes.len() as u64);
                    b.set_message(a.name.clone());
                }
                None => eprintln!(
                    "{} s3://{bucket}/{key}",
                    if sent { "uploaded " } else { "unchanged" }
                ),
            }
            Ok((key, sent, if sent { a.bytes.len() as u64 } else { 0 }))
        }
    }))
    .buffer_unordered(PARALLEL)
    .collect()
    .await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut report = UploadReport::default();
    for r in results {
        let (key, sent, bytes) = r?;
        if sent {
            report.uploaded.push(key);
        } else {
            report.unchanged.push(key);
        }
        report.bytes_sent += bytes;
    }
    report.uploaded.sort();
    report.unchanged.sort();
    Ok((
        AssetLocation {
            bucket: bucket.to_string(),
            prefix,
        },
        report,
    ))
}

/// Uploads `body` to `key` unless an object is already there; returns whether it sent the body.
pub async fn put_if_absent(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    body: &[u8],
) -> anyhow::Result<bool> {
    match s3.head_object().bucket(bucket).key(key).send().await {
        Ok(head) if head.content_length() == Some(body.len() as i64) => return Ok(false),
        Ok(_) => {}
        Err(e) => {
            let e = AwsError::new(format!("cannot check s3://{bucket}/{key}"), &e);
            if !e.is_not_found() {
                return Err(e.into());
            }
        }
    }
    if body.len() > MULTIPART_THRESHOLD {
        put_multipart(s3, bucket, key, body).await?;
    } else {
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(body.to_vec()))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot upload s3://{bucket}/{key}: {}", describe(&e)))?;
    }
    Ok(true)
}

async fn put_multipart(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    body: &[u8],
) -> anyhow::Result<()> {
    let fail = |e: String| anyhow::anyhow!("cannot upload s3://{bucket}/{key} in parts: {e}");
    let upload = s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| fail(describe(&e)))?;
    let id = upload
        .upload_id()
        .ok_or_else(|| fail("no upload id".into()))?
        .to_string();
    let mut parts = Vec::new();
    for (i, chunk) in body.chunks(PART_SIZE).enumerate() {
        let n = i as i32 + 1;
        let part = s3
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(&id)
            .part_number(n)
            .body(ByteStream::from(chunk.to_vec()))
            .send()
            .await;
        match part {
            Ok(p) => parts.push(
                CompletedPart::builder()
                    .part_number(n)
                    .set_e_tag(p.e_tag().map(str::to_string))
                    .build(),
            ),
            Err(e) => {
                let _ = s3
                    .abort_multipart_upload()
                    .bucket(bucket)
                    .key(key)
                    .upload_id(&id)
                    .send()
                    .await;
                return Err(fail(describe(&e)));
            }
        }
    }
    s3.complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .map_err(|e| fail(describe(&e)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_asset_has_its_own_content_hashed_key() {
        let a = Asset::new("a.zip", b"1".to_vec());
        let b = Asset::new("b.jar", b"2".to_vec());
        let b2 = Asset::new("b.jar", b"3".to_vec());
        let p = assets_prefix("streamstack/");
        assert_eq!(p, "streamstack/assets/");
        assert_eq!(
            asset_key(&p, &a),
            format!("streamstack/assets/a-{}.zip", &a.sha256[..16])
        );
        assert_ne!(
            asset_key(&p, &b),
            asset_key(&p, &b2),
            "defect 7: a changed asset must get a new key"
        );
        assert_eq!(
            asset_key(&p, &a),
            asset_key(&assets_prefix("streamstack/"), &a),
            "defect 7: an unchanged asset keeps its key whatever else changes"
        );
    }
}
