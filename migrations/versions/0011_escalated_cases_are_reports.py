"""escalated cases are formal reports

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 16:30:00

A case the confidential counsellor passes on to the integrity coordinator
(with the reporter's consent) becomes a formal report (issue #17, defect 1).
Before, escalation left the track "advice": such a case was counted as
advice in the annual figures and, being retained by its track, was
crypto-shredded 2 years after closure instead of up to 10. This corrects
the cases and the retention tallies already there; `escalated_at` /
`escalated` keep telling that the case started with a counsellor.

Only the counsellor escalates, and only an advice-track case reaches the
counsellor, so every escalated case was "advice" before: the downgrade
restores exactly that.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE case_file SET track = 'report'"
               " WHERE escalated_at IS NOT NULL AND track = 'advice'")
    op.execute("UPDATE case_tally SET track = 'report' WHERE escalated AND track = 'advice'")


def downgrade() -> None:
    op.execute("UPDATE case_file SET track = 'advice'"
               " WHERE escalated_at IS NOT NULL AND track = 'report'")
    op.execute("UPDATE case_tally SET track = 'advice' WHERE escalated AND track = 'report'")
