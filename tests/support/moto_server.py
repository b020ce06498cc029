"""Starts moto's server (pinned 5.2.5) with small patches that only make it answer like AWS.

Usage: python moto_server.py -H 127.0.0.1 -p PORT

Patches (each fixes a difference from AWS that our tests hit; none adds behaviour AWS lacks):
1. CloudFormation: a Number (or list) parameter that keeps its Default is typed like one passed
   explicitly. moto leaves defaults as strings, so e.g. Kinesis gets ShardCount "2" and fails on
   2**128 // "2" with HTTP 500; AWS accepts the template.
2. Kinesis and Lambda event source mappings created from CloudFormation: numeric properties
   arriving as strings are converted, as AWS's resource handlers do.
3. Policy evaluation: moto only knows the StringEquals condition operator and treats every
   other operator as matching, so the standard TLS-only statement ("Deny when Bool
   aws:SecureTransport is false") denies every request. The patch teaches it the Bool operator
   and gives requests aws:SecureTransport = "true", as every request the AWS SDK sends to AWS has
   (HTTPS); the tests talk plain HTTP to the loopback emulator. It also makes a statement whose
   condition does not match not apply, as in AWS (moto turns it into an explicit Deny).
4.-6. CloudFormation models for alarms and secrets, and change sets that update the stack (see
   each class/function below).
7. Kinesis shards are written and read under a lock (see `_lock_kinesis_shards` below).
8. Firehose delivery streams and Flink applications from CloudFormation are listed as stack
   resources under their names (see `_NamedStackResource` below).

Patches are all on by default. `STREAMSTACK_MOTO_SKIP_PATCHES=kinesis-shard-lock` leaves patch 7
out, only to show that the tests which depend on it fail without it (see the issue notes).
"""

import sys

from moto.cloudformation import parsing
from moto.iam import access_control

_load_parameters = parsing.ResourceMap.load_parameters


def load_parameters(self):
    _load_parameters(self)
    for name, slot in self._template.get("Parameters", {}).items():
        if name in self.input_parameters:
            continue
        value = self.resolved_parameters.get(name)
        kind = slot.get("Type", "String")
        if not isinstance(value, str):
            continue
        if kind == "Number":
            try:
                self.resolved_parameters[name] = int(value)
            except ValueError:
                self.resolved_parameters[name] = float(value)
        elif kind == "CommaDelimitedList" or kind.startswith("List<"):
            self.resolved_parameters[name] = value.split(",")


parsing.ResourceMap.load_parameters = load_parameters


def _int_properties(cls, names):
    original = cls.create_from_cloudformation_json.__func__

    def create(klass, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties", {})
        for key in names:
            if isinstance(props.get(key), str):
                props[key] = int(props[key])
        return original(klass, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    cls.create_from_cloudformation_json = classmethod(create)


from moto.kinesis.models import Stream  # noqa: E402
from moto.awslambda.models import EventSourceMapping  # noqa: E402

_int_properties(Stream, ["ShardCount", "RetentionPeriodHours"])
_int_properties(
    EventSourceMapping,
    ["BatchSize", "ParallelizationFactor", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "MaximumBatchingWindowInSeconds"],
)

from moto.iam import policy_conditions  # noqa: E402


def bool_operation(expected, actual):
    wanted = expected if isinstance(expected, list) else [expected]
    return str(actual).lower() in [str(w).lower() for w in wanted]


policy_conditions.CONDITION_OPERATIONS["Bool"] = bool_operation

_is_action_permitted = access_control.IAMPolicyStatement.is_action_permitted


def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
    values = dict(incoming_condition_values or {})
    values.setdefault("aws:SecureTransport", "true")
    # A statement whose condition does not match does not apply (moto answers DENIED instead).
    if self._statement.get("Condition") and not self._check_conditions(values):
        return access_control.PermissionResult.NEUTRAL
    return _is_action_permitted(self, action, resource, principal, values)


access_control.IAMPolicyStatement.is_action_permitted = is_action_permitted

from moto.cloudwatch.models import cloudwatch_backends  # noqa: E402
from moto.core.common_models import CloudFormationModel  # noqa: E402


class CloudFormationAlarm(CloudFormationModel):
    """4. AWS::CloudWatch::Alarm from CloudFormation. moto has no CloudFormation model for alarms,
    so templates whose dashboards name `${Alarm.Arn}` fail with "Fn::GetAtt references undefined
    resource". This creates the alarm through moto's own CloudWatch backend (PutMetricAlarm),
    so DescribeAlarms sees it as it would in AWS."""

    # moto's model registry derives the service from the module name.
    __module__ = "moto.cloudwatch.models"

    def __init__(self, alarm, account_id, region_name):
        self.alarm = alarm
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_name_type():
        return "AlarmName"

    @staticmethod
    def cloudformation_type():
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "Arn":
            return self.alarm.alarm_arn
        raise NotImplementedError(attribute_name)

    @property
    def physical_resource_id(self):
        return self.alarm.name

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json.get("Properties", {})
        backend = cloudwatch_backends[account_id][region_name]
        alarm = backend.put_metric_alarm(
            name=p.get("AlarmName", resource_name),
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            comparison_operator=p.get("ComparisonOperator"),
            evaluation_periods=int(p.get("EvaluationPeriods", 1)),
            period=int(p["Period"]) if "Period" in p else None,
            threshold=float(p["Threshold"]) if "Threshold" in p else None,
            statistic=p.get("Statistic"),
            description=p.get("AlarmDescription", ""),
            # A dimension naming a resource moto does not model (e.g. a Flink application) has no value.
            dimensions=[{"Name": d["Name"], "Value": str(d.get("Value", ""))} for d in p.get("Dimensions", [])],
            alarm_actions=p.get("AlarmActions", []),
            ok_actions=p.get("OKActions", []),
            treat_missing_data=p.get("TreatMissingData"),
        )
        return cls(alarm, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        cloudwatch_backends[account_id][region_name].delete_alarms([resource_name])


import json  # noqa: E402

from moto.secretsmanager.models import secretsmanager_backends  # noqa: E402


class CloudFormationSecret(CloudFormationModel):
    """6. AWS::SecretsManager::Secret from CloudFormation, with GenerateSecretString. moto has no
    CloudFormation model for secrets, so `Ref` to one resolves to nothing and IAM rejects the
    policy that names it ("Policy statement must contain resources"). This creates the secret
    with a generated string through moto's own Secrets Manager backend; Ref is its ARN, as in AWS."""

    __module__ = "moto.secretsmanager.models"

    def __init__(self, arn):
        self.arn = arn

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @staticmethod
    def cloudformation_type():
        return "AWS::SecretsManager::Secret"

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Id"

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "Id":
            return self.arn
        raise NotImplementedError(attribute_name)

    @property
    def physical_resource_id(self):
        return self.arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json.get("Properties", {})
        backend = secretsmanager_backends[account_id][region_name]
        gen = p.get("GenerateSecretString")
        secret = p.get("SecretString")
        if gen is not None:
            secret = backend.get_random_password(
                password_length=int(gen.get("PasswordLength", 32)),
                exclude_characters=gen.get("ExcludeCharacters", ""),
                exclude_numbers=bool(gen.get("ExcludeNumbers", False)),
                exclude_punctuation=bool(gen.get("ExcludePunctuation", False)),
                exclude_uppercase=bool(gen.get("ExcludeUppercase", False)),
                exclude_lowercase=bool(gen.get("ExcludeLowercase", False)),
                include_space=bool(gen.get("IncludeSpace", False)),
                require_each_included_type=bool(gen.get("RequireEachIncludedType", True)),
            )
            secret = json.loads(secret)["RandomPassword"] if secret.startswith("{") else secret
        created = backend.create_secret(
            name=p.get("Name", resource_name),
            secret_string=secret,
            secret_binary=None,
            description=p.get("Description"),
            tags=p.get("Tags"),
            kms_key_id=p.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        return cls(json.loads(created)["ARN"])

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        secretsmanager_backends[account_id][region_name].delete_secret(
            secret_id=resource_name, recovery_window_in_days=None, force_delete_without_recovery=True
        )


class _NamedStackResource:
    """8. AWS::KinesisFirehose::DeliveryStream and AWS::KinesisAnalyticsV2::Application from
    CloudFormation. moto has no CloudFormation model for either, so a stack "creates" them without
    listing them in ListStackResources and `Ref` to them resolves to nothing (alarm dimensions and
    dashboards lose the name). In AWS both are stack resources whose physical id is their name,
    which `status --watch` reads to find the delivery stream's and the application's metrics.
    This lists them under the name AWS would give them (the name property, else a generated
    `stack-Logical-XXXX` name) with `Ref` = that name and `Arn`; they are still not created in
    moto's Firehose and Kinesis Analytics backends, which no test reads. (A mixin: moto's model
    registry only sees direct subclasses of CloudFormationModel.)"""

    arn_service = "firehose"
    arn_kind = "deliverystream"

    def __init__(self, name, account_id, region_name):
        self.name = name
        self.arn = f"arn:aws:{self.arn_service}:{region_name}:{account_id}:{self.arn_kind}/{name}"

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "Arn":
            return self.arn
        raise NotImplementedError(attribute_name)

    @property
    def physical_resource_id(self):
        return self.name

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        name = cloudformation_json.get("Properties", {}).get(cls.cloudformation_name_type(), resource_name)
        return cls(name, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass


class CloudFormationDeliveryStream(_NamedStackResource, CloudFormationModel):
    """8. (see `_NamedStackResource`)"""

    __module__ = "moto.firehose.models"

    @staticmethod
    def cloudformation_name_type():
        return "DeliveryStreamName"

    @staticmethod
    def cloudformation_type():
        return "AWS::KinesisFirehose::DeliveryStream"


class CloudFormationFlinkApplication(_NamedStackResource, CloudFormationModel):
    """8. (see `_NamedStackResource`)"""

    __module__ = "moto.kinesisanalyticsv2.models"
    arn_service = "kinesisanalytics"
    arn_kind = "application"

    @staticmethod
    def cloudformation_name_type():
        return "ApplicationName"

    @staticmethod
    def cloudformation_type():
        return "AWS::KinesisAnalyticsV2::Application"


from moto.cloudformation.models import ChangeSet  # noqa: E402

_apply = ChangeSet.apply


def apply(self):
    """5. Executing a change set updates the stack's template, parameters and outputs, as
    UpdateStack does in moto and as AWS does for both. moto leaves the stack's template and
    parameters at their first values (so an identical re-deploy is never "no changes") and
    reports no Outputs after ExecuteChangeSet."""
    _apply(self)
    stack = self.stack
    stack.template = self.template
    stack._parse_template()
    if self.parameters is not None:
        stack.parameters = self.parameters
    stack.output_map = stack._create_output_map()


ChangeSet.apply = apply

import os  # noqa: E402
import threading  # noqa: E402

from moto.kinesis import models as kinesis_models  # noqa: E402


def _lock_kinesis_shards():
    """7. Kinesis writes are serialised per shard, as AWS orders them.

    AWS: every record a PutRecord/PutRecords call acknowledges is stored under its own sequence
    number, unique and increasing within its shard, and stays readable for the retention period,
    however many writers there are at once.
    moto 5.2.5: `Shard.put_record` computes the next sequence number as the current maximum + 1
    and stores the record under it without a lock (its own comment says "not safe for
    concurrency"). The server runs a thread per request, so two PutRecords requests in flight at
    once can give two records one number: both are acknowledged, one overwrites the other. Measured
    here: 30,000 records sent with 8 requests in flight kept 29,994. `get_records` also iterates
    the shard's dict while writers insert into it, which can raise "OrderedDict mutated during
    iteration" (HTTP 500) for a reader polling during a write, as a Flink source does.
    The patch: one re-entrant lock per shard, held by `put_record` (both PutRecord and PutRecords
    end there, record by record, as do split and merge) and by every read of the shard's records
    (`get_records`, the min/max sequence numbers, `get_sequence_number_at`, `to_json`)."""
    shard_cls = kinesis_models.Shard
    original_init = shard_cls.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self._streamstack_lock = threading.RLock()

    shard_cls.__init__ = init

    def locked(method):
        def wrapper(self, *args, **kwargs):
            with self._streamstack_lock:
                return method(self, *args, **kwargs)

        wrapper.__name__ = method.__name__
        wrapper.__doc__ = method.__doc__
        return wrapper

    for name in (
        "put_record",
        "get_records",
        "get_min_sequence_number",
        "get_max_sequence_number",
        "get_sequence_number_at",
        "to_json",
    ):
        setattr(shard_cls, name, locked(getattr(shard_cls, name)))


_SKIPPED = {p.strip() for p in os.environ.get("STREAMSTACK_MOTO_SKIP_PATCHES", "").split(",") if p.strip()}
_KNOWN = {"kinesis-shard-lock"}
if _SKIPPED - _KNOWN:
    sys.exit(f"STREAMSTACK_MOTO_SKIP_PATCHES: unknown patch {sorted(_SKIPPED - _KNOWN)}; known: {sorted(_KNOWN)}")
if "kinesis-shard-lock" not in _SKIPPED:
    _lock_kinesis_shards()

# Other write paths the tests drive concurrently, checked for the same kind of race:
# - S3 UploadPart (`FakeMultipart.set_part`): each part is stored under its own part number in a
#   dict and added to a sorted list with the C `bisect.insort`; parts with different numbers never
#   share state, so the uploader's four parts in flight are safe. Two uploads of the same part
#   number at once could list it twice; our uploader never sends one part twice concurrently.
# - CloudWatch PutMetricData (and the Kinesis metrics moto records itself): each datum is one
#   `list.append`, atomic under the GIL; nothing is read-modify-written. No patch needed.

from moto.server import main  # noqa: E402

def exit_with_parent():
    """The test process holds our stdin; when it exits (even killed), stdin closes and so do we."""
    import os
    import threading

    def watch():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    if "--exit-with-stdin" in sys.argv:
        sys.argv.remove("--exit-with-stdin")
        exit_with_parent()
    main(sys.argv[1:])
