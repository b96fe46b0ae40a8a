"""Named crypto failures. Messages never contain key material or plaintext."""


class CryptoError(Exception):
    """Base class: something could not be decrypted or verified."""


class DecryptionError(CryptoError):
    """A ciphertext failed authentication: wrong key, wrong context, or tampered."""


class WrongPassphrase(DecryptionError):
    """A password or passphrase does not open this protected key."""


class StreamTruncated(DecryptionError):
    """An encrypted file ended before its final segment."""


class UnknownSuite(CryptoError):
    """A stored blob names an algorithm suite this version does not know."""
