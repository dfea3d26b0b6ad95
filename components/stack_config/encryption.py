"""`encryption.kmsKey` and a cache's own `kmsKey`: which key encrypts the data at rest."""

from __future__ import annotations

import re

from components.spec import KmsKey, KmsKeyChoice
from components.stack_config.problems import Problems

KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:key/[0-9a-f-]{36}$")


def resolve_kms_key(value: str, path: str, region: str, problems: Problems) -> KmsKey | None:
    if value == KmsKeyChoice.AWS_OWNED.value:
        return KmsKey(KmsKeyChoice.AWS_OWNED)
    if value == KmsKeyChoice.CREATE.value:
        return KmsKey(KmsKeyChoice.CREATE)
    match = KMS_KEY_ARN.match(value)
    if match is None:
        problems.add(path, value, "use 'create', 'aws-owned' or a KMS key ARN (arn:aws:kms:<region>:<acct>:key/<id>)")
        return None
    if region and match["region"] != region:
        problems.add(path, value, f"the key is in {match['region']}; a cache can only use a key of {region}")
        return None
    return KmsKey(KmsKeyChoice.ARN, value)
