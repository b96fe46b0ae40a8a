"""Flask-free cryptography: case keys and fields (envelope), staff key pairs
(keys), password- and code-derived keys (kdf, receipts), attachment streams."""
