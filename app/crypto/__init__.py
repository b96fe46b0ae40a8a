"""Flask-free cryptography: case keys and fields (envelope), staff key pairs
(keys), password-, code- and secret-derived keys (kdf, receipts), attachment
streams, small secrets under a local key (secretbox), HMACs (mac)."""
