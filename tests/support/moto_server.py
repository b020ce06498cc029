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
8. Firehose delivery streams from CloudFormation are listed as stack resources under their
   names (see `_NamedStackResource` below).
9. Managed Service for Apache Flink applications: created (READY) by CloudFormation in moto's
   backend, with their CloudWatch logging options and log streams, updated in place by a stack
   update, started and stopped (StartApplication/StopApplication, their operations, snapshots)
   with lazily timed status transitions, and numeric timestamps (see
   `_patch_flink_applications` below).
10. CloudFormation: a parameter that a stack update leaves out goes back to its template
   Default, as in AWS (see `build_resource_diff` below).
11. CloudFormation: UsePreviousValue keeps the value a parameter was given, not its resolved
   form (see `_stack_parameters` below).
12. Kinesis stream consumers (enhanced fan-out) from CloudFormation: AWS::Kinesis::StreamConsumer
   registered in moto's Kinesis backend, and Lambda event source mappings on a registered
   consumer's ARN (see `CloudFormationStreamConsumer` below).

Patches are all on by default. `STREAMSTACK_MOTO_SKIP_PATCHES=kinesis-shard-lock` leaves patch 7
out, only to show that the tests which depend on it fail without it (see the issue notes).
"""

import os
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
    """8. AWS::KinesisFirehose::DeliveryStream from CloudFormation. moto has no CloudFormation
    model for it, so a stack "creates" it without listing it in ListStackResources and `Ref` to
    it resolves to nothing (alarm dimensions and dashboards lose the name). In AWS it is a stack
    resource whose physical id is its name, which `status --watch` reads to find the delivery
    stream's metrics. This lists it under the name AWS would give it (the name property, else a
    generated `stack-Logical-XXXX` name) with `Ref` = that name and `Arn`; it is still not
    created in moto's Firehose backend, which no test reads. (A mixin: moto's model registry only
    sees direct subclasses of CloudFormationModel.) Patch 9's Flink applications take their
    name, Ref, Arn and physical id from it too, and are created in moto's backend."""

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


import copy  # noqa: E402
import time  # noqa: E402

from moto.core.exceptions import JsonRESTError  # noqa: E402
from moto.kinesisanalyticsv2 import models as flink_models  # noqa: E402
from moto.kinesisanalyticsv2.responses import KinesisAnalyticsV2Response  # noqa: E402
from moto.logs.models import logs_backends  # noqa: E402
from moto.moto_api._internal import mock_random  # noqa: E402

flink_backends = flink_models.kinesisanalyticsv2_backends


def _flink_error(kind, message):
    # HTTP 400 with {"__type": kind, "message": ...}, as the service answers (awsJson1.1).
    return JsonRESTError(kind, message)


def _flink_now():
    # Timestamps are epoch seconds (JSON numbers), as the awsJson protocol carries them.
    return round(time.time(), 3)


def _flink_transition_seconds():
    return float(os.environ.get("STREAMSTACK_MOTO_FLINK_TRANSITION_SECONDS", "1.0"))


def _flink_settle(app):
    """A transition started at t ends at t + delay: computed when the application is read."""
    transition = app.streamstack_transition
    if transition is not None and time.time() >= transition["until"]:
        app.application_status = transition["status"]
        transition["operation"].update(OperationStatus="SUCCESSFUL", EndTime=round(transition["until"], 3))
        app.streamstack_transition = None


def _flink_stabilize(app):
    """CloudFormation's resource handlers wait until the application is stable before they change
    it (two resources of one stack update may change it in turn); here a transition in flight
    ends at once."""
    transition = app.streamstack_transition
    if transition is not None:
        transition["until"] = min(transition["until"], time.time())
        _flink_settle(app)


def _flink_operation(app, operation, version_change=None, status=None, settled_status=None):
    """Records an operation. With `status`, the application enters it and reaches `settled_status`
    after the transition delay (the operation stays IN_PROGRESS until then); without, the
    operation is done at once."""
    now = _flink_now()
    record = {
        "Operation": operation,
        "OperationId": mock_random.get_random_string(length=16),
        "StartTime": now,
        "OperationStatus": "IN_PROGRESS",
    }
    if version_change:
        record["ApplicationVersionChangeDetails"] = version_change
    app.streamstack_operations.append(record)
    if status is None:
        record.update(OperationStatus="SUCCESSFUL", EndTime=now)
    else:
        app.application_status = status
        app.streamstack_transition = {
            "until": now + _flink_transition_seconds(),
            "status": settled_status,
            "operation": record,
        }
    return record["OperationId"]


def _flink_snapshots_enabled(app):
    config = (app.app_config_description or {}).get("ApplicationSnapshotConfigurationDescription") or {}
    return config.get("SnapshotsEnabled") is True


def _flink_take_snapshot(app, name):
    app.streamstack_snapshots[name] = {
        "SnapshotName": name,
        "SnapshotStatus": "READY",
        "ApplicationVersionId": app.application_version_id,
        "SnapshotCreationTimestamp": _flink_now(),
        "RuntimeEnvironment": app.runtime_environment,
    }


def _flink_service_snapshot(app):
    # The service's own snapshot when it stops or updates a running application with snapshots
    # on. AWS does not document the names it gives them; this one is the application's name,
    # version and the time in milliseconds.
    if _flink_snapshots_enabled(app):
        _flink_take_snapshot(app, f"{app.application_name}-{app.application_version_id}-{int(time.time() * 1000)}")


def _flink_new_version(app, operation):
    """A configuration change: version +1; a RUNNING application is restarted by the service
    (UPDATING, then RUNNING again after the transition delay)."""
    if app.application_status not in ("READY", "RUNNING"):
        raise _flink_error(
            "ResourceInUseException",
            f"Application {app.application_name} is in {app.application_status} status; it must be READY or RUNNING to be updated.",
        )
    running = app.application_status == "RUNNING"
    if running:
        # The snapshot of the running version, before the update.
        _flink_service_snapshot(app)
    old = app.application_version_id
    app.application_version_id = old + 1
    now = _flink_now()
    app.last_updated_date_time = now
    app.streamstack_version_created = now
    app.conditional_token = str(mock_random.uuid4()).replace("-", "")
    change = {"ApplicationVersionUpdatedFrom": old, "ApplicationVersionUpdatedTo": old + 1}
    if running:
        return _flink_operation(app, operation, change, status="UPDATING", settled_status="RUNNING")
    return _flink_operation(app, operation, change)


def _flink_detail(app):
    detail = {
        "ApplicationARN": app.application_arn,
        "ApplicationName": app.application_name,
        "ApplicationDescription": app.application_description,
        "RuntimeEnvironment": app.runtime_environment,
        "ServiceExecutionRole": app.service_execution_role,
        "ApplicationStatus": app.application_status,
        "ApplicationVersionId": app.application_version_id,
        "CreateTimestamp": app.creation_date_time,
        "LastUpdateTimestamp": app.last_updated_date_time,
        "ApplicationConfigurationDescription": app.app_config_description,
        "CloudWatchLoggingOptionDescriptions": app.cloud_watch_logging_description,
        "ApplicationMaintenanceConfigurationDescription": {
            "ApplicationMaintenanceWindowStartTime": "06:00",
            "ApplicationMaintenanceWindowEndTime": "14:00",
        },
        "ApplicationVersionCreateTimestamp": app.streamstack_version_created,
        "ConditionalToken": app.conditional_token,
        "ApplicationMode": app.application_mode,
    }
    return copy.deepcopy({key: value for key, value in detail.items() if value is not None})


def _flink_page(items, limit, next_token):
    try:
        start = int(next_token) if next_token else 0
    except ValueError:
        raise _flink_error("InvalidArgumentException", f"Invalid NextToken {next_token}.")
    end = start + int(limit or 50)
    return items[start:end], (str(end) if end < len(items) else None)


def _patch_flink_applications():
    """9. Managed Service for Apache Flink applications (Kinesis Analytics V2).

    AWS: an application created by CreateApplication (or by CloudFormation's
    AWS::KinesisAnalyticsV2::Application, whose Ref is its name) is READY, in STREAMING mode
    unless told otherwise; a second one of the same name is ResourceInUseException.
    StartApplication takes it through STARTING to RUNNING, StopApplication through STOPPING
    (FORCE_STOPPING with Force) to READY, each answering an OperationId that
    DescribeApplicationOperation and ListApplicationOperations (newest first) follow: IN_PROGRESS,
    then SUCCESSFUL with an EndTime. StartApplication needs READY (else ResourceInUseException),
    restores from the latest snapshot unless its RunConfiguration says otherwise, answers
    InvalidArgumentException for RESTORE_FROM_CUSTOM_SNAPSHOT of a snapshot the application does
    not have, and is reported as ApplicationConfigurationDescription.RunConfigurationDescription.
    StopApplication needs RUNNING (with Force: STARTING, UPDATING, STOPPING, AUTOSCALING or
    RUNNING); without Force the service takes a snapshot when snapshots are on, as it does before
    an update of a running application. CreateApplicationSnapshot needs snapshots on
    (InvalidApplicationConfigurationException) and a RUNNING application
    (ResourceInUseException). Every change of configuration (an update from CloudFormation, a
    logging option) increments ApplicationVersionId, and a RUNNING application is restarted
    (UPDATING, then RUNNING). An unknown application is ResourceNotFoundException (HTTP 400).
    Timestamps are JSON numbers (epoch seconds), as awsJson1.1 carries them.
    moto 5.2.5: has CreateApplication, DescribeApplication, ListApplications and tags only; a new
    application is STARTING for ever; timestamps are ISO strings (botocore tolerates them, the
    Rust and Java SDKs reject the response); DescribeApplication of an unknown name is an HTTP
    500 (KeyError); the detail lacks the required ApplicationName; a second CreateApplication
    silently replaces the first; and no CloudFormation model creates the application (patch 8
    only listed it as a stack resource).
    The patch: new applications are READY with numeric timestamps; StartApplication,
    StopApplication, DescribeApplicationOperation, ListApplicationOperations,
    CreateApplicationSnapshot, ListApplicationSnapshots, DeleteApplication and
    Add/DeleteApplicationCloudWatchLoggingOption on moto's backend and response class, with the
    errors above (moto's JsonRESTError). A transition is computed when the application is read (no
    threads): one started at t ends at t + `STREAMSTACK_MOTO_FLINK_TRANSITION_SECONDS` (default
    1.0). All state lives on the backend's Application objects, so POST /moto-api/reset clears
    it. The CloudFormation models below (`CloudFormationFlinkApplication`,
    `CloudFormationFlinkLoggingOption`, `CloudFormationLogStream`) go through this backend.
    Not modelled: the UpdateApplication API itself, autoscaling, maintenance, rollback, the
    history of versions, snapshots being CREATING (they are READY at once), and the names the
    service gives its own snapshots (undocumented; here application-version-milliseconds)."""
    application_cls = flink_models.Application
    backend_cls = flink_models.KinesisAnalyticsV2Backend
    original_init = application_cls.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        now = _flink_now()
        self.application_status = "READY"
        self.creation_date_time = now
        self.last_updated_date_time = now
        self.streamstack_version_created = now
        self.application_mode = self.application_mode or "STREAMING"
        self.cloud_watch_logging_description = self.cloud_watch_logging_description or []
        self.streamstack_operations = []
        self.streamstack_snapshots = {}
        self.streamstack_transition = None

    application_cls.__init__ = init

    def application(self, name):
        app = self.applications.get(name)
        if app is None:
            raise _flink_error("ResourceNotFoundException", f"Application {name} not found.")
        _flink_settle(app)
        return app

    original_create = backend_cls.create_application

    def create_application(self, application_name, *args, **kwargs):
        if application_name in self.applications:
            raise _flink_error("ResourceInUseException", f"Application {application_name} already exists.")
        original_create(self, application_name, *args, **kwargs)
        return _flink_detail(self.applications[application_name])

    def describe_application(self, application_name):
        return _flink_detail(self.streamstack_application(application_name))

    def list_applications(self):
        summaries = []
        for app in self.applications.values():
            _flink_settle(app)
            summaries.append(
                {
                    "ApplicationName": app.application_name,
                    "ApplicationARN": app.application_arn,
                    "ApplicationStatus": app.application_status,
                    "ApplicationVersionId": app.application_version_id,
                    "RuntimeEnvironment": app.runtime_environment,
                    "ApplicationMode": app.application_mode,
                }
            )
        return summaries

    def start_application(self, application_name, run_configuration):
        app = self.streamstack_application(application_name)
        if app.application_status != "READY":
            raise _flink_error(
                "ResourceInUseException",
                f"Application {application_name} is in {app.application_status} status; it must be READY to start.",
            )
        run_configuration = run_configuration or {}
        restore = dict(run_configuration.get("ApplicationRestoreConfiguration") or {})
        restore.setdefault("ApplicationRestoreType", "RESTORE_FROM_LATEST_SNAPSHOT")
        if restore["ApplicationRestoreType"] == "RESTORE_FROM_CUSTOM_SNAPSHOT":
            snapshot = restore.get("SnapshotName")
            if not snapshot:
                raise _flink_error("InvalidArgumentException", "SnapshotName is required for RESTORE_FROM_CUSTOM_SNAPSHOT.")
            if snapshot not in app.streamstack_snapshots:
                raise _flink_error(
                    "InvalidArgumentException", f"Snapshot {snapshot} does not exist for application {application_name}."
                )
        else:
            restore.pop("SnapshotName", None)
        flink = {"AllowNonRestoredState": bool((run_configuration.get("FlinkRunConfiguration") or {}).get("AllowNonRestoredState", False))}
        if app.app_config_description is None:
            app.app_config_description = {}
        app.app_config_description["RunConfigurationDescription"] = {
            "ApplicationRestoreConfigurationDescription": restore,
            "FlinkRunConfigurationDescription": flink,
        }
        return _flink_operation(app, "StartApplication", status="STARTING", settled_status="RUNNING")

    def stop_application(self, application_name, force):
        app = self.streamstack_application(application_name)
        allowed = ("STARTING", "UPDATING", "STOPPING", "AUTOSCALING", "RUNNING") if force else ("RUNNING",)
        if app.application_status not in allowed:
            raise _flink_error(
                "ResourceInUseException",
                f"Application {application_name} is in {app.application_status} status; it cannot be stopped"
                + (" (it must be RUNNING unless Force is true)." if not force else "."),
            )
        if app.streamstack_transition is not None:
            # A forced stop ends the operation in flight.
            app.streamstack_transition["operation"].update(OperationStatus="CANCELLED", EndTime=_flink_now())
            app.streamstack_transition = None
        if not force:
            _flink_service_snapshot(app)
        return _flink_operation(
            app, "StopApplication", status="FORCE_STOPPING" if force else "STOPPING", settled_status="READY"
        )

    def describe_application_operation(self, application_name, operation_id):
        app = self.streamstack_application(application_name)
        for record in app.streamstack_operations:
            if record["OperationId"] == operation_id:
                return {key: value for key, value in record.items() if key != "OperationId"}
        raise _flink_error(
            "ResourceNotFoundException", f"Operation {operation_id} not found for application {application_name}."
        )

    def list_application_operations(self, application_name, operation, operation_status, limit, next_token):
        app = self.streamstack_application(application_name)
        records = [
            {key: value for key, value in record.items() if key != "ApplicationVersionChangeDetails"}
            for record in reversed(app.streamstack_operations)
            if (not operation or record["Operation"] == operation)
            and (not operation_status or record["OperationStatus"] == operation_status)
        ]
        return _flink_page(records, limit, next_token)

    def list_application_snapshots(self, application_name, limit, next_token):
        app = self.streamstack_application(application_name)
        return _flink_page(copy.deepcopy(list(app.streamstack_snapshots.values())), limit, next_token)

    def create_application_snapshot(self, application_name, snapshot_name):
        app = self.streamstack_application(application_name)
        if not _flink_snapshots_enabled(app):
            raise _flink_error(
                "InvalidApplicationConfigurationException", f"Snapshots are disabled for application {application_name}."
            )
        if app.application_status != "RUNNING":
            raise _flink_error(
                "ResourceInUseException",
                f"Application {application_name} is in {app.application_status} status; it must be RUNNING to take a snapshot.",
            )
        if snapshot_name in app.streamstack_snapshots:
            raise _flink_error("InvalidArgumentException", f"Snapshot {snapshot_name} already exists.")
        _flink_take_snapshot(app, snapshot_name)

    def delete_application(self, application_name, create_timestamp):
        app = self.streamstack_application(application_name)
        if create_timestamp is not None and int(float(create_timestamp)) != int(app.creation_date_time):
            raise _flink_error("InvalidArgumentException", "CreateTimestamp does not match the application's.")
        del self.applications[application_name]
        self.tagger.delete_all_tags_for_resource(app.application_arn)

    def add_application_cloud_watch_logging_option(self, application_name, option):
        app = self.streamstack_application(application_name)
        option_id = f"{len(app.cloud_watch_logging_description) + 1}.1"
        while any(o["CloudWatchLoggingOptionId"] == option_id for o in app.cloud_watch_logging_description):
            option_id = f"{int(option_id.split('.')[0]) + 1}.1"
        operation_id = _flink_new_version(app, "AddApplicationCloudWatchLoggingOption")
        app.cloud_watch_logging_description.append(
            {"CloudWatchLoggingOptionId": option_id, "LogStreamARN": option["LogStreamARN"]}
        )
        return {
            "ApplicationARN": app.application_arn,
            "ApplicationVersionId": app.application_version_id,
            "CloudWatchLoggingOptionDescriptions": copy.deepcopy(app.cloud_watch_logging_description),
            "OperationId": operation_id,
        }

    def delete_application_cloud_watch_logging_option(self, application_name, option_id):
        app = self.streamstack_application(application_name)
        remaining = [o for o in app.cloud_watch_logging_description if o["CloudWatchLoggingOptionId"] != option_id]
        if len(remaining) == len(app.cloud_watch_logging_description):
            raise _flink_error("ResourceNotFoundException", f"CloudWatch logging option {option_id} not found.")
        operation_id = _flink_new_version(app, "DeleteApplicationCloudWatchLoggingOption")
        app.cloud_watch_logging_description = remaining
        return {
            "ApplicationARN": app.application_arn,
            "ApplicationVersionId": app.application_version_id,
            "CloudWatchLoggingOptionDescriptions": copy.deepcopy(remaining),
            "OperationId": operation_id,
        }

    def update_application_from_template(self, application_name, properties):
        """CloudFormation's in-place update: the template's properties replace the configuration
        (the run configuration and logging options, which the template does not carry, stay)."""
        app = self.streamstack_application(application_name)
        _flink_stabilize(app)
        operation_id = _flink_new_version(app, "UpdateApplication")
        run = (app.app_config_description or {}).get("RunConfigurationDescription")
        config = properties.get("ApplicationConfiguration")
        app.app_config_description = app._generate_app_config_description(config) if config else {}
        if run is not None:
            app.app_config_description["RunConfigurationDescription"] = run
        app.application_description = properties.get("ApplicationDescription")
        app.runtime_environment = properties.get("RuntimeEnvironment", app.runtime_environment)
        app.service_execution_role = properties.get("ServiceExecutionRole", app.service_execution_role)
        return operation_id

    for name, method in [
        ("streamstack_application", application),
        ("create_application", create_application),
        ("describe_application", describe_application),
        ("list_applications", list_applications),
        ("start_application", start_application),
        ("stop_application", stop_application),
        ("describe_application_operation", describe_application_operation),
        ("list_application_operations", list_application_operations),
        ("list_application_snapshots", list_application_snapshots),
        ("create_application_snapshot", create_application_snapshot),
        ("delete_application", delete_application),
        ("add_application_cloud_watch_logging_option", add_application_cloud_watch_logging_option),
        ("delete_application_cloud_watch_logging_option", delete_application_cloud_watch_logging_option),
        ("update_application_from_template", update_application_from_template),
    ]:
        setattr(backend_cls, name, method)

    def backend(response):
        return response.kinesisanalyticsv2_backend

    def respond_start_application(self):
        operation_id = backend(self).start_application(
            self._get_param("ApplicationName"), self._get_param("RunConfiguration")
        )
        return json.dumps({"OperationId": operation_id})

    def respond_stop_application(self):
        operation_id = backend(self).stop_application(
            self._get_param("ApplicationName"), bool(self._get_param("Force", False))
        )
        return json.dumps({"OperationId": operation_id})

    def respond_describe_application_operation(self):
        details = backend(self).describe_application_operation(
            self._get_param("ApplicationName"), self._get_param("OperationId")
        )
        return json.dumps({"ApplicationOperationInfoDetails": details})

    def respond_list_application_operations(self):
        records, token = backend(self).list_application_operations(
            self._get_param("ApplicationName"),
            self._get_param("Operation"),
            self._get_param("OperationStatus"),
            self._get_param("Limit"),
            self._get_param("NextToken"),
        )
        body = {"ApplicationOperationInfoList": records}
        if token:
            body["NextToken"] = token
        return json.dumps(body)

    def respond_list_application_snapshots(self):
        snapshots, token = backend(self).list_application_snapshots(
            self._get_param("ApplicationName"), self._get_param("Limit"), self._get_param("NextToken")
        )
        body = {"SnapshotSummaries": snapshots}
        if token:
            body["NextToken"] = token
        return json.dumps(body)

    def respond_create_application_snapshot(self):
        backend(self).create_application_snapshot(self._get_param("ApplicationName"), self._get_param("SnapshotName"))
        return json.dumps({})

    def respond_delete_application(self):
        backend(self).delete_application(self._get_param("ApplicationName"), self._get_param("CreateTimestamp"))
        return json.dumps({})

    def respond_add_application_cloud_watch_logging_option(self):
        return json.dumps(
            backend(self).add_application_cloud_watch_logging_option(
                self._get_param("ApplicationName"), self._get_param("CloudWatchLoggingOption")
            )
        )

    def respond_delete_application_cloud_watch_logging_option(self):
        return json.dumps(
            backend(self).delete_application_cloud_watch_logging_option(
                self._get_param("ApplicationName"), self._get_param("CloudWatchLoggingOptionId")
            )
        )

    # moto dispatches X-Amz-Target "KinesisAnalytics_20180523.StartApplication" to the response
    # class's method start_application.
    for method in [
        respond_start_application,
        respond_stop_application,
        respond_describe_application_operation,
        respond_list_application_operations,
        respond_list_application_snapshots,
        respond_create_application_snapshot,
        respond_delete_application,
        respond_add_application_cloud_watch_logging_option,
        respond_delete_application_cloud_watch_logging_option,
    ]:
        method.__name__ = method.__name__[len("respond_"):]
        setattr(KinesisAnalyticsV2Response, method.__name__, method)


_patch_flink_applications()

# CloudFormation passes template values through as written; the service's resource handler types
# them (e.g. "true" from a String parameter is a boolean), as for Kinesis in patch 2.
_FLINK_BOOLEAN_PROPERTIES = {"SnapshotsEnabled", "AutoScalingEnabled", "CheckpointingEnabled", "RollbackEnabled", "AllowNonRestoredState"}
_FLINK_INTEGER_PROPERTIES = {"Parallelism", "ParallelismPerKPU", "CheckpointInterval", "MinPauseBetweenCheckpoints"}


def _flink_typed(value, key=None):
    if isinstance(value, dict):
        return {k: _flink_typed(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_flink_typed(v) for v in value]
    if isinstance(value, str) and key in _FLINK_BOOLEAN_PROPERTIES:
        return value.lower() == "true"
    if isinstance(value, str) and key in _FLINK_INTEGER_PROPERTIES:
        return int(value)
    return value


class CloudFormationFlinkApplication(_NamedStackResource, CloudFormationModel):
    """9. AWS::KinesisAnalyticsV2::Application from CloudFormation (see
    `_patch_flink_applications`). AWS: the stack creates the application (READY) from the
    template's properties; Ref is its name (ApplicationName, else a generated
    `stack-Logical-XXXX` name), which is also its physical id, and Arn its ARN; an update of its
    properties updates the application in place (version +1; a RUNNING application is restarted:
    UPDATING, then RUNNING), a new ApplicationName replaces it; deleting the stack deletes it.
    moto 5.2.5 has no CloudFormation model for it. This creates, updates and deletes it through
    moto's Kinesis Analytics V2 backend."""

    __module__ = "moto.kinesisanalyticsv2.models"
    # Name, Ref, Arn and physical id as `_NamedStackResource` gives them; creating, updating and
    # deleting go through the backend.
    arn_service = "kinesisanalytics"
    arn_kind = "application"

    @staticmethod
    def cloudformation_name_type():
        return "ApplicationName"

    @staticmethod
    def cloudformation_type():
        return "AWS::KinesisAnalyticsV2::Application"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = _flink_typed(copy.deepcopy(cloudformation_json.get("Properties", {})))
        name = p.get("ApplicationName", resource_name)
        flink_backends[account_id][region_name].create_application(
            application_name=name,
            application_description=p.get("ApplicationDescription"),
            runtime_environment=p.get("RuntimeEnvironment"),
            service_execution_role=p.get("ServiceExecutionRole"),
            application_configuration=p.get("ApplicationConfiguration"),
            cloud_watch_logging_options=None,
            tags=p.get("Tags"),
            application_mode=p.get("ApplicationMode"),
        )
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        # moto passes a freshly generated name when the template names none: the application
        # keeps the name it has, as in AWS.
        p = _flink_typed(copy.deepcopy(cloudformation_json.get("Properties", {})))
        name = p.get("ApplicationName", original_resource.name)
        if name != original_resource.name:
            replacement = cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return replacement
        flink_backends[account_id][region_name].update_application_from_template(name, p)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        flink_backends[account_id][region_name].applications.pop(resource_name, None)

    def delete(self, account_id, region_name):
        backend = flink_backends[account_id][region_name]
        if backend.applications.pop(self.name, None) is not None:
            backend.tagger.delete_all_tags_for_resource(self.arn)


class CloudFormationFlinkLoggingOption(CloudFormationModel):
    """9. AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption from CloudFormation (see
    `_patch_flink_applications`). AWS: adds the log stream (`CloudWatchLoggingOption.LogStreamARN`)
    to the application's CloudWatchLoggingOptionDescriptions as AddApplicationCloudWatchLoggingOption
    does (version +1); its physical id is the option's id; a new LogStreamARN updates it in place,
    a new ApplicationName replaces it; deleting it removes the option. moto 5.2.5 has no
    CloudFormation model for it (the application gets no logging option, so nothing can find the
    application's log stream). This goes through the patched backend's
    Add/DeleteApplicationCloudWatchLoggingOption."""

    __module__ = "moto.kinesisanalyticsv2.models"

    def __init__(self, application_name, option_id):
        self.application_name = application_name
        self.option_id = option_id

    @staticmethod
    def cloudformation_name_type():
        return ""

    @staticmethod
    def cloudformation_type():
        return "AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption"

    @classmethod
    def has_cfn_attr(cls, attr):
        return False

    @property
    def physical_resource_id(self):
        return self.option_id

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json.get("Properties", {})
        _flink_stabilize(flink_backends[account_id][region_name].streamstack_application(p["ApplicationName"]))
        added = flink_backends[account_id][region_name].add_application_cloud_watch_logging_option(
            p["ApplicationName"], {"LogStreamARN": p["CloudWatchLoggingOption"]["LogStreamARN"]}
        )
        return cls(p["ApplicationName"], added["CloudWatchLoggingOptionDescriptions"][-1]["CloudWatchLoggingOptionId"])

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        p = cloudformation_json.get("Properties", {})
        if p["ApplicationName"] != original_resource.application_name:
            replacement = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return replacement
        app = flink_backends[account_id][region_name].streamstack_application(p["ApplicationName"])
        _flink_stabilize(app)
        arn = p["CloudWatchLoggingOption"]["LogStreamARN"]
        for option in app.cloud_watch_logging_description:
            if option["CloudWatchLoggingOptionId"] == original_resource.option_id and option["LogStreamARN"] != arn:
                _flink_new_version(app, "UpdateApplication")
                option["LogStreamARN"] = arn
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        p = cloudformation_json.get("Properties", {})
        cls(p.get("ApplicationName"), resource_name).delete(account_id, region_name)

    def delete(self, account_id, region_name):
        # The application may already be gone (stack deletion does not order the two).
        app = flink_backends[account_id][region_name].applications.get(self.application_name)
        if app is None:
            return
        _flink_stabilize(app)
        if any(o["CloudWatchLoggingOptionId"] == self.option_id for o in app.cloud_watch_logging_description):
            flink_backends[account_id][region_name].delete_application_cloud_watch_logging_option(
                self.application_name, self.option_id
            )


class CloudFormationLogStream(CloudFormationModel):
    """9. AWS::Logs::LogStream from CloudFormation (see `_patch_flink_applications`). AWS: creates
    the stream (LogStreamName, else a generated `stack-Logical-XXXX` name) in LogGroupName; Ref
    is the stream's name; a new name or group replaces it; deleting it deletes the stream. moto
    5.2.5 has no CloudFormation model for it: the stack creates nothing, `Ref` to it resolves to
    nothing (the Flink application's logging option names a stream `...:log-stream:None`), and
    FilterLogEvents on it fails. This creates and deletes it through moto's CloudWatch Logs
    backend."""

    __module__ = "moto.logs.models"

    def __init__(self, group_name, stream_name):
        self.group_name = group_name
        self.stream_name = stream_name

    @staticmethod
    def cloudformation_name_type():
        return "LogStreamName"

    @staticmethod
    def cloudformation_type():
        return "AWS::Logs::LogStream"

    @classmethod
    def has_cfn_attr(cls, attr):
        return False

    @property
    def physical_resource_id(self):
        return self.stream_name

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json.get("Properties", {})
        name = p.get("LogStreamName", resource_name)
        logs_backends[account_id][region_name].create_log_stream(p["LogGroupName"], name)
        return cls(p["LogGroupName"], name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        p = cloudformation_json.get("Properties", {})
        name = p.get("LogStreamName", original_resource.stream_name)
        if (p["LogGroupName"], name) == (original_resource.group_name, original_resource.stream_name):
            return original_resource
        replacement = cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
        original_resource.delete(account_id, region_name)
        return replacement

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        cls(cloudformation_json.get("Properties", {}).get("LogGroupName"), resource_name).delete(account_id, region_name)

    def delete(self, account_id, region_name):
        group = logs_backends[account_id][region_name].groups.get(self.group_name)
        if group is not None:
            group.streams.pop(self.stream_name, None)


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

_build_resource_diff = parsing.ResourceMap.build_resource_diff


def build_resource_diff(self, other_template, parameters=None):
    """10. A parameter that a stack update leaves out takes the template's Default.

    AWS: CreateChangeSet/UpdateStack give every parameter that is neither passed with a value nor
    with UsePreviousValue=true its Default in the new template (that is why `deploy` sends
    UsePreviousValue for what the user did not set, and `--reset-param` leaves one out).
    moto: it only counts parameters passed with a changed value, and keeps the old input values
    for the others, so a parameter left out keeps its old value and the resources using it are
    not updated. The patch adds, before the diff, the Default of every parameter the stack was
    given and the update leaves out, so the change counts and the stack stores the default."""
    if parameters is not None:
        slots = other_template.get("Parameters", {})
        for name in list(self.input_parameters):
            if name not in parameters and "Default" in slots.get(name, {}):
                parameters[name] = slots[name]["Default"]
    return _build_resource_diff(self, other_template, parameters)


parsing.ResourceMap.build_resource_diff = build_resource_diff

from moto.cloudformation.models import Stack  # noqa: E402


def _stack_parameters(self):
    """11. UsePreviousValue keeps the value the parameter was given, not its resolved form.

    AWS: a parameter passed with UsePreviousValue=true keeps the value it was given before (for an
    SSM parameter type, the parameter's name, resolved again), and "No updates are to be
    performed" compares those values. moto: it copies the resolved value (`stack_parameters`):
    a List/CommaDelimitedList parameter arrives as a Python list and ExecuteChangeSet fails with
    HTTP 500 (`'list' object has no attribute 'split'`), a Number as an int, an SSM parameter as
    the value it resolved to. The patch answers `stack_parameters` with the values as given: the
    stack's input value of each parameter of its template, else the template's Default."""
    resource_map = self.resource_map
    out = {}
    for name, slot in resource_map._template.get("Parameters", {}).items():
        if name in resource_map.input_parameters:
            out[name] = resource_map.input_parameters[name]
        elif "Default" in slot:
            out[name] = slot["Default"]
    return out


Stack.stack_parameters = property(_stack_parameters)

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

from moto.kinesis.models import kinesis_backends  # noqa: E402


class CloudFormationStreamConsumer(CloudFormationModel):
    """12. AWS::Kinesis::StreamConsumer from CloudFormation (a consumer's enhanced fan-out,
    issue #23). AWS: registers ConsumerName on StreamARN (RegisterStreamConsumer); Ref and
    ConsumerARN are the consumer's ARN; deleting it deregisters it. moto 5.2.5 has the API but no
    CloudFormation model, so a template naming `Fn::GetAtt [X, ConsumerARN]` fails with "Fn::GetAtt
    references undefined resource". This registers and deregisters it through moto's Kinesis
    backend. (moto implements no SubscribeToShard: nothing reads through the consumer here.)"""

    __module__ = "moto.kinesis.models"

    def __init__(self, consumer):
        self.consumer = consumer

    @staticmethod
    def cloudformation_name_type():
        return "ConsumerName"

    @staticmethod
    def cloudformation_type():
        return "AWS::Kinesis::StreamConsumer"

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("ConsumerARN", "ConsumerName", "ConsumerStatus", "StreamARN")

    def get_cfn_attribute(self, attribute_name):
        values = {
            "ConsumerARN": self.consumer.consumer_arn,
            "ConsumerName": self.consumer.consumer_name,
            "ConsumerStatus": "ACTIVE",
            "StreamARN": self.consumer.stream_arn,
        }
        if attribute_name in values:
            return values[attribute_name]
        raise NotImplementedError(attribute_name)

    @property
    def physical_resource_id(self):
        return self.consumer.consumer_arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json.get("Properties", {})
        consumer = kinesis_backends[account_id][region_name].register_stream_consumer(
            p["StreamARN"], p.get("ConsumerName", resource_name)
        )
        return cls(consumer)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        kinesis_backends[account_id][region_name].deregister_stream_consumer(None, None, resource_name)


from moto.awslambda.models import EventSourceMapping, LambdaBackend  # noqa: E402

_create_event_source_mapping = LambdaBackend.create_event_source_mapping


def create_event_source_mapping(self, spec):
    """12. (continued) AWS accepts a registered stream consumer's ARN as a Kinesis event source
    (Lambda then reads through enhanced fan-out); moto 5.2.5 knows only stream ARNs and answers
    "Invalid EventSourceArn". The mapping is created as for the consumer's stream."""
    arn = spec.get("EventSourceArn") or ""
    if ":kinesis:" in arn and "/consumer/" in arn:
        for stream in kinesis_backends[self.account_id][self.region_name].streams.values():
            if stream.get_consumer_by_arn(arn):
                func = self._lambdas.get_function_by_name_or_arn_with_qualifier(spec.get("FunctionName", ""))
                spec["RegionName"] = self.region_name
                spec["AccountId"] = self.account_id
                spec.update({"FunctionArn": func.function_arn})
                esm = EventSourceMapping(spec)
                self._event_source_mappings[esm.uuid] = esm
                stream.lambda_event_source_mappings[esm.event_source_arn] = esm
                return esm
    return _create_event_source_mapping(self, spec)


LambdaBackend.create_event_source_mapping = create_event_source_mapping


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
