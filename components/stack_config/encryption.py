"""`encryption.kmsKey` and a cache's own `kmsKey`: which key encrypts the data at rest."""

from __future__ import annotations

import re

from components.spec import KmsKey, KmsKeyChoice
from components.stack_config.problems import Problems

KMS_KEY_ARN = re.compile(
    r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:key/"
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$"
)
"""A key ARN, of a single-Region key (`key/1234abcd-12ab-34cd-56ef-1234567890ab`) or a multi-Region one
(`key/mrk-1234abcd12ab34cd56ef1234567890ab`), the two key ID forms in botocore's KMS model (`ReplicateKey`
`KeyId`); a multi-Region key is a key of the Region its ARN names like any other."""


def resolve_kms_key(value: str, path: str, region: str, problems: Problems) -> KmsKey | None:
    if value == KmsKeyChoice.AWS_OWNED.value:
        return KmsKey(KmsKeyChoice.AWS_OWNED)
    if value == KmsKeyChoice.CREATE.value:
        return KmsKey(KmsKeyChoice.CREATE)
    match = KMS_KEY_ARN.match(value)
    if match is None:
        problems.add(
            path,
            value,
            "not a key choice or a KMS key ARN; allowed: 'create', 'aws-owned' or a key ARN "
            "(arn:aws:kms:<region>:<account>:key/<key id>, the key id a UUID, or mrk- and 32 hex digits for a "
            "multi-Region key)",
        )
        return None
    if region and match["region"] != region:
        problems.add(path, value, f"the key is in {match['region']}; a cache can only use a key of {region}")
        return None
    return KmsKey(KmsKeyChoice.ARN, value)
