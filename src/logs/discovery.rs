//! Which CloudWatch log groups a stack's resources write to, from its resources
//! (ListStackResources) and, for a Flink application, the logging option the service reports
//! (DescribeApplication). What each pattern creates (the `templates/` fragments):
//!
//! | source | log group |
//! |---|---|
//! | `consumer` | `ConsumerLogGroup`, the consumer function's `LoggingConfig` group (pattern 1) |
//! | `flink` | the application's CloudWatch logging option (`ApplicationLogGroup`, patterns 2, 4, 5) |
//! | `firehose` | `DeliveryLogGroup`, the delivery stream's error logging (pattern 3) |
//! | `api` | `ProxyApiAccessLogs` / `FareApiAccessLogs` (access logs), `API-Gateway-Execution-Logs_<api id>/<stage>` (execution logs, created by API Gateway on first use), `FareFunctionLogGroup` (pattern 4's fare endpoint behind its API) |
//! | `producer` | a log group whose logical id starts with `Producer`; the shipped templates have none: the EC2 producer logs to its systemd journal |
//!
//! A Lambda function without a group of its own in the stack logs to `/aws/lambda/<name>`.

use crate::cfn::stack::Resource;

use super::Source;

/// A log group to read and who writes to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroup {
    /// Who writes to it.
    pub source: Source,
    /// The group's name.
    pub name: String,
    /// Which resource it belongs to, for messages (e.g. `ConsumerLogGroup`).
    pub origin: String,
}

/// The log groups of a stack, and the producer instances that have none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Log groups, in [`Source::ALL`] order, then by name; no group twice.
    pub groups: Vec<LogGroup>,
    /// Producer instances (EC2 instance ids) whose logs are not in CloudWatch.
    pub journal_producers: Vec<String>,
    /// Physical ids of the stack's Flink applications.
    pub applications: Vec<String>,
}

impl Found {
    /// The sources that have at least one group.
    pub fn sources(&self) -> Vec<Source> {
        let mut s: Vec<Source> = self.groups.iter().map(|g| g.source).collect();
        s.dedup();
        s
    }

    fn add(&mut self, source: Source, name: String, origin: String) {
        if !self.groups.iter().any(|g| g.name == name) {
            self.groups.push(LogGroup {
                source,
                name,
                origin,
            });
        }
    }

    fn sort(&mut self) {
        self.groups
            .sort_by(|a, b| (a.source, &a.name).cmp(&(b.source, &b.name)));
    }

    /// Makes `group` the Flink application's group (the logging option the service reports),
    /// in place of the groups the resources suggested.
    pub fn set_flink_group(&mut self, group: &str, application: &str) {
        self.groups
            .retain(|g| g.source != Source::Flink || g.name == group);
        self.add(
            Source::Flink,
            group.to_string(),
            format!("logging option of {application}"),
        );
        self.sort();
    }
}

/// The source of a log group, from its logical id; `None` for a group of none of the sources.
fn group_source(logical_id: &str) -> Option<Source> {
    let l = logical_id;
    if l.starts_with("Consumer") {
        Some(Source::Consumer)
    } else if l.starts_with("Application") || l.starts_with("Flink") {
        Some(Source::Flink)
    } else if l.starts_with("Delivery") || l.starts_with("Firehose") {
        Some(Source::Firehose)
    } else if l.starts_with("Producer") {
        Some(Source::Producer)
    } else if l.contains("Api") || l.starts_with("Fare") {
        Some(Source::Api)
    } else {
        None
    }
}

/// The log groups the resources name (without asking any service).
pub fn from_resources(resources: &[Resource]) -> Found {
    let mut found = Found::default();
    let of_type = |t: &'static str| resources.iter().filter(move |r| r.resource_type == t);
    let groups: Vec<&Resource> = of_type("AWS::Logs::LogGroup").collect();
    for g in &groups {
        if let Some(source) = group_source(&g.logical_id) {
            found.add(source, g.physical_id.clone(), g.logical_id.clone());
        }
    }
    for f in of_type("AWS::Lambda::Function") {
        let stem = f
            .logical_id
            .strip_suffix("Function")
            .unwrap_or(&f.logical_id);
        let source = match group_source(stem) {
            Some(s) => s,
            None if stem.starts_with("Consumer") => Source::Consumer,
            None => continue,
        };
        // A function with a group of its own in the stack (LoggingConfig) logs there.
        if !groups.iter().any(|g| g.logical_id.starts_with(stem)) {
            found.add(
                source,
                format!("/aws/lambda/{}", f.physical_id),
                f.logical_id.clone(),
            );
        }
    }
    for api in of_type("AWS::ApiGateway::RestApi") {
        for stage in of_type("AWS::ApiGateway::Stage")
            .filter(|s| s.logical_id.starts_with(&api.logical_id) && !s.physical_id.is_empty())
        {
            found.add(
                Source::Api,
                format!(
                    "API-Gateway-Execution-Logs_{}/{}",
                    api.physical_id, stage.physical_id
                ),
                format!("execution logs of {}", api.logical_id),
            );
        }
    }
    let has_producer_group = found.groups.iter().any(|g| g.source == Source::Producer);
    if !has_producer_group {
        found.journal_producers = of_type("AWS::EC2::Instance")
            .filter(|i| i.logical_id.starts_with("Producer"))
            .map(|i| i.physical_id.clone())
            .collect();
    }
    found.applications = of_type(crate::flink::application::RESOURCE_TYPE)
        .map(|a| a.physical_id.clone())
        .collect();
    found.sort();
    found
}

/// The log groups of `stack`: [`from_resources`], with each Flink application's group taken
/// from the logging option DescribeApplication reports (when it can be read).
pub async fn discover(config: &aws_config::SdkConfig, resources: &[Resource]) -> Found {
    let mut found = from_resources(resources);
    let flink = crate::flink::Client::new(config);
    for app in found.applications.clone() {
        if let Ok(described) = crate::flink::application::describe(&flink, &app).await {
            if let Some(stream) = described
                .log_stream_arn
                .as_deref()
                .and_then(crate::flink::log::LogStream::from_arn)
            {
                found.set_flink_group(&stream.group, &app);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(logical: &str, t: &str, physical: &str) -> Resource {
        Resource {
            logical_id: logical.into(),
            resource_type: t.into(),
            physical_id: physical.into(),
        }
    }

    fn names(f: &Found) -> Vec<(Source, &str)> {
        f.groups
            .iter()
            .map(|g| (g.source, g.name.as_str()))
            .collect()
    }

    const LG: &str = "AWS::Logs::LogGroup";

    #[test]
    fn pattern_1_consumer_and_api_groups() {
        let f = from_resources(&[
            r("DataStream", "AWS::Kinesis::Stream", "s-DataStream-1"),
            r("ConsumerLogGroup", LG, "s-ConsumerLogGroup-A"),
            r(
                "ConsumerFunction",
                "AWS::Lambda::Function",
                "s-ConsumerFunction-B",
            ),
            r("ProxyApi", "AWS::ApiGateway::RestApi", "abc123"),
            r("ProxyApiStage", "AWS::ApiGateway::Stage", "prod"),
            r("ProxyApiAccessLogs", LG, "s-ProxyApiAccessLogs-C"),
        ]);
        assert_eq!(
            names(&f),
            [
                (Source::Consumer, "s-ConsumerLogGroup-A"),
                (Source::Api, "API-Gateway-Execution-Logs_abc123/prod"),
                (Source::Api, "s-ProxyApiAccessLogs-C"),
            ]
        );
        assert_eq!(f.sources(), [Source::Consumer, Source::Api]);
        assert!(f.journal_producers.is_empty() && f.applications.is_empty());
    }

    #[test]
    fn pattern_4_flink_fare_function_and_a_journal_producer() {
        let mut f = from_resources(&[
            r("ApplicationLogGroup", LG, "x-ApplicationLogGroup-A"),
            r(
                "ApplicationLogStream",
                "AWS::Logs::LogStream",
                "kinesis-analytics-log-stream",
            ),
            r(
                "Application",
                "AWS::KinesisAnalyticsV2::Application",
                "x-Application-B",
            ),
            r("FareFunctionLogGroup", LG, "x-FareFunctionLogGroup-C"),
            r("FareFunction", "AWS::Lambda::Function", "x-FareFunction-D"),
            r("FareApiAccessLogs", LG, "x-FareApiAccessLogs-E"),
            r("FareApi", "AWS::ApiGateway::RestApi", "fare1"),
            r("FareApiStage", "AWS::ApiGateway::Stage", "prod"),
            r("ProducerInstance", "AWS::EC2::Instance", "i-123"),
            r("OutputBucket", "AWS::S3::Bucket", "b"),
        ]);
        assert_eq!(
            names(&f),
            [
                (Source::Flink, "x-ApplicationLogGroup-A"),
                (Source::Api, "API-Gateway-Execution-Logs_fare1/prod"),
                (Source::Api, "x-FareApiAccessLogs-E"),
                (Source::Api, "x-FareFunctionLogGroup-C"),
            ]
        );
        assert_eq!(f.journal_producers, ["i-123"]);
        assert_eq!(f.applications, ["x-Application-B"]);
        // The logging option the service reports wins over the resource's guess.
        f.set_flink_group("elsewhere", "x-Application-B");
        assert_eq!(names(&f)[0], (Source::Flink, "elsewhere"));
        assert_eq!(
            f.groups
                .iter()
                .filter(|g| g.source == Source::Flink)
                .count(),
            1
        );
    }

    #[test]
    fn firehose_and_functions_without_a_group_of_their_own() {
        let f = from_resources(&[
            r("DeliveryLogGroup", LG, "k-DeliveryLogGroup-A"),
            r("DeliveryLogStream", "AWS::Logs::LogStream", "S3Delivery"),
            r(
                "ConsumerFunction",
                "AWS::Lambda::Function",
                "k-ConsumerFunction-B",
            ),
            r("OtherLogGroup", LG, "unrelated"),
            r("ProducerLogGroup", LG, "k-ProducerLogGroup-C"),
            r("ProducerInstance", "AWS::EC2::Instance", "i-9"),
        ]);
        assert_eq!(
            names(&f),
            [
                (Source::Consumer, "/aws/lambda/k-ConsumerFunction-B"),
                (Source::Firehose, "k-DeliveryLogGroup-A"),
                (Source::Producer, "k-ProducerLogGroup-C"),
            ]
        );
        assert!(f.journal_producers.is_empty(), "the producer has a group");
    }
}
