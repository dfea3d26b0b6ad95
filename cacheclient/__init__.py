"""Connect apps to this project's caches, and the workload recipes that keep each profile's promise.

Copy this folder into an app (with `requirements.txt`); it needs nothing else from the repository.
"""

from cacheclient.connection import CacheConnection, User, connect, credentials
from cacheclient.iam import IAMCredentialProvider, auth_token

__all__ = [
    "CacheConnection",
    "IAMCredentialProvider",
    "User",
    "auth_token",
    "connect",
    "credentials",
]
