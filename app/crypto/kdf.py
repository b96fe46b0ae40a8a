"""Argon2id key derivation for keys protected by a password or a receipt code;
HKDF-SHA256 for keys derived from a random secret."""

from __future__ import annotations

import json
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# RFC 9106 section 4, second recommended option: t=3, m=64 MiB, p=4.
DEFAULT_TIME_COST = 3
DEFAULT_MEMORY_KIB = 64 * 1024
DEFAULT_PARALLELISM = 4


@dataclass(frozen=True)
class Argon2Params:
    time_cost: int = DEFAULT_TIME_COST
    memory_kib: int = DEFAULT_MEMORY_KIB
    parallelism: int = DEFAULT_PARALLELISM

    def to_json(self) -> str:
        return json.dumps([self.time_cost, self.memory_kib, self.parallelism])

    @classmethod
    def from_json(cls, text: str) -> Argon2Params:
        time_cost, memory_kib, parallelism = json.loads(text)
        return cls(int(time_cost), int(memory_kib), int(parallelism))


def argon2id(secret: bytes, salt: bytes, params: Argon2Params, length: int = 32) -> bytes:
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=length,
        type=Type.ID,
    )


def hkdf_sha256(key: bytes, info: bytes, length: int = 32, salt: bytes | None = None) -> bytes:
    """RFC 5869 HKDF with SHA-256: `length` bytes for the purpose `info`."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(key)
