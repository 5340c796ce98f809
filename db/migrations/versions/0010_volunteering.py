"""Volunteering: opportunities, their shifts and roles, signups with check-in and hours, the
name given for certificates, and the certificates issued.

Revision ID: 0010_volunteering
Revises: 0009_block_refs
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC_DATETIME = sa.DateTime(timezone=True)

revision: str = "0010_volunteering"
down_revision: str | None = "0009_block_refs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_fk(table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "volunteer_opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=True),
        sa.Column("title_en", sa.String(length=200), nullable=True),
        sa.Column("description_zh", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("organiser", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["users.id"],
            name=op.f("fk_volunteer_opportunities_coordinator_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_opportunities")),
    )
    op.create_index(
        op.f("ix_volunteer_opportunities_coordinator_id"),
        "volunteer_opportunities",
        ["coordinator_id"],
    )
    op.create_index(
        op.f("ix_volunteer_opportunities_status"), "volunteer_opportunities", ["status"]
    )
    op.create_table(
        "volunteer_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC_DATETIME, nullable=False),
        sa.Column("ends_at", UTC_DATETIME, nullable=False),
        sa.Column("checkin_secret", sa.String(length=32), nullable=True),
        sa.Column("hours_confirmed_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["volunteer_opportunities.id"],
            name=op.f("fk_volunteer_shifts_opportunity_id_volunteer_opportunities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_shifts")),
    )
    op.create_index(
        "ix_volunteer_shifts_opportunity_id_starts_at",
        "volunteer_shifts",
        ["opportunity_id", "starts_at"],
    )
    op.create_table(
        "volunteer_shift_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=True),
        sa.Column("name_en", sa.String(length=100), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("needs", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["volunteer_shifts.id"],
            name=op.f("fk_volunteer_shift_roles_shift_id_volunteer_shifts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_shift_roles")),
    )
    op.create_index(
        op.f("ix_volunteer_shift_roles_shift_id"), "volunteer_shift_roles", ["shift_id"]
    )
    op.create_table(
        "volunteer_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("checked_in_at", UTC_DATETIME, nullable=True),
        sa.Column("checked_out_at", UTC_DATETIME, nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", UTC_DATETIME, nullable=True),
        sa.Column("makeup_reason", sa.String(length=300), nullable=True),
        sa.Column("reconfirm_by", UTC_DATETIME, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["volunteer_shift_roles.id"],
            name=op.f("fk_volunteer_signups_role_id_volunteer_shift_roles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["volunteer_shifts.id"],
            name=op.f("fk_volunteer_signups_shift_id_volunteer_shifts"),
            ondelete="CASCADE",
        ),
        _user_fk("volunteer_signups", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_signups")),
        sa.UniqueConstraint(
            "shift_id", "user_id", name=op.f("uq_volunteer_signups_shift_id_user_id")
        ),
    )
    op.create_index(
        "ix_volunteer_signups_role_id_status_seq",
        "volunteer_signups",
        ["role_id", "status", "seq"],
    )
    op.create_index(op.f("ix_volunteer_signups_user_id"), "volunteer_signups", ["user_id"])
    op.create_index(
        op.f("ix_volunteer_signups_confirmed_at"), "volunteer_signups", ["confirmed_at"]
    )
    op.create_index(
        op.f("ix_volunteer_signups_reconfirm_by"), "volunteer_signups", ["reconfirm_by"]
    )
    op.create_table(
        "volunteer_certificate_names",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        _user_fk("volunteer_certificate_names", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_volunteer_certificate_names")),
    )
    op.create_table(
        "volunteer_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("shifts", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTC_DATETIME, nullable=False),
        _user_fk("volunteer_certificates", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_volunteer_certificates_code")),
    )
    op.create_index(
        op.f("ix_volunteer_certificates_user_id"), "volunteer_certificates", ["user_id"]
    )


def downgrade() -> None:
    op.drop_table("volunteer_certificates")
    op.drop_table("volunteer_certificate_names")
    op.drop_table("volunteer_signups")
    op.drop_table("volunteer_shift_roles")
    op.drop_table("volunteer_shifts")
    op.drop_table("volunteer_opportunities")
