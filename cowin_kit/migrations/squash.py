"""Regenerate the single pre-release migration from the models.

Until the first release the schema is one initial migration, rebuilt from the models with
``python -m cowin_kit.migrations.squash``. After a release, add ordinary revisions instead
(expand first, contract later) and never edit a released one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from cowin_kit.core.migrate import MIGRATIONS_DIR, alembic_config

INITIAL = "0001"


def main() -> None:
    versions = MIGRATIONS_DIR / "versions"
    versions.mkdir(exist_ok=True)
    for old in versions.glob(f"*_{INITIAL}_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'empty.sqlite3'}")
        cfg = alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            script = command.revision(cfg, message="initial schema", autogenerate=True,
                                      rev_id=INITIAL)
        engine.dispose()
    path = Path(script.path)
    # Stable file name and no render_as_batch wrappers in a create-only migration.
    stable = versions / f"20261127_0000_{INITIAL}_initial_schema.py"
    text = path.read_text()
    path.unlink()
    stable.write_text(text)
    print(f"wrote {stable.relative_to(MIGRATIONS_DIR.parent.parent)}")


if __name__ == "__main__":
    main()
