"""Benchmarks; not part of the test suite. Run e.g.
`.venv/bin/python -m benchmarks.attachment_stream`."""
