//! Discovery: which resources of a stack `status --watch` reads (the stream, the sink, the
//! alarms), found by logical id and type, and the pattern they make.

use crate::cfn::stack::Resource;

/// How the pattern's records leave the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// Pattern 1: a Lambda function reads the stream.
    Consumer,
    /// Pattern 3: a Firehose delivery stream writes to S3.
    Firehose,
    /// Patterns 2, 4 and 5: a Flink application.
    Flink,
}

/// The resources of a stack that `--watch` reads, found by logical id and type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// The Kinesis stream's name.
    pub stream: Option<String>,
    /// Pattern 1's consumer function.
    pub consumer: Option<String>,
    /// Pattern 3's delivery stream.
    pub delivery: Option<String>,
    /// The Flink application (patterns 2, 4 and 5).
    pub application: Option<String>,
    /// Pattern 4's fare endpoint function.
    pub fare: Option<String>,
    /// The REST API's id (patterns 1 and 4).
    pub api: Option<String>,
    /// Every alarm's name.
    pub alarms: Vec<String>,
}

impl Sources {
    /// Picks the watched resources out of a stack's resources.
    pub fn from_resources(resources: &[Resource]) -> Sources {
        let mut s = Sources::default();
        for r in resources {
            let id = Some(r.physical_id.clone());
            match (r.resource_type.as_str(), r.logical_id.as_str()) {
                // The stack's data stream; pattern 5 may also have an output stream, which is
                // not the one whose records in, lag and throttles `--watch` shows.
                ("AWS::Kinesis::Stream", "DataStream") => s.stream = id,
                ("AWS::Kinesis::Stream", _) if s.stream.is_none() => s.stream = id,
                ("AWS::Lambda::Function", "ConsumerFunction") => s.consumer = id,
                ("AWS::Lambda::Function", "FareFunction") => s.fare = id,
                ("AWS::KinesisFirehose::DeliveryStream", _) => s.delivery = id,
                ("AWS::KinesisAnalyticsV2::Application", _) => s.application = id,
                ("AWS::ApiGateway::RestApi", _) => s.api = id,
                ("AWS::CloudWatch::Alarm", _) => s.alarms.push(r.physical_id.clone()),
                _ => {}
            }
        }
        s.alarms.sort();
        s
    }

    /// Where records go out; `None` for a stack that is none of the five patterns.
    pub fn sink(&self) -> Option<Sink> {
        if self.delivery.is_some() {
            Some(Sink::Firehose)
        } else if self.application.is_some() {
            Some(Sink::Flink)
        } else if self.consumer.is_some() {
            Some(Sink::Consumer)
        } else {
            None
        }
    }

    /// The pattern's id.
    pub fn pattern(&self) -> &'static str {
        match self.sink() {
            Some(Sink::Consumer) => "apigw-kds-lambda",
            Some(Sink::Firehose) => "kds-kdf-s3",
            Some(Sink::Flink) if self.fare.is_some() => "kds-kda-apigw",
            Some(Sink::Flink) => "kpl-kds-kda",
            None => "unknown",
        }
    }
}
