#!/usr/bin/env bash
# build-s3-dist, the way the original solution's release engineers know it:
#   deployment/build-s3-dist.sh BUCKET SOLUTION_NAME VERSION
# Builds the Lambda bootstraps (x86_64 and arm64, static musl), the EC2 producer and the Flink jobs
# (Maven), and a release CLI with them embedded, then writes
# deployment/global-s3-assets/<pattern>.template and deployment/regional-s3-assets/<asset>. Publish with the two `aws s3 sync` lines it prints.
set -euo pipefail
if [ "$#" -ne 3 ]; then
  echo "usage: $0 BUCKET SOLUTION_NAME VERSION   (e.g. $0 my-bucket streaming-data-solution v1.0.0)" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo xtask build-cli
target="${CARGO_TARGET_DIR:-$root/target}"
"$target/release/streamstack" dist --bucket "$1" --solution "$2" --version "$3" --out "$root/deployment"
