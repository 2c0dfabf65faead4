"""The archive's migrations, one file per revision (Alembic's ``versions`` folder)."""
