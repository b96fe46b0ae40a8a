"""Tamper-evident audit log: append and verify."""

from app.audit.log import AuditLog, ChainBroken, VerifyResult, verify_chain

__all__ = ["AuditLog", "ChainBroken", "VerifyResult", "verify_chain"]
