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
