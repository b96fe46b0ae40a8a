"""Retention: periods per track and outcome, legal holds, and the sweep that
records a statistics tally and then crypto-shreds what expired."""
