"""The `diary` console script: the Flask CLI bound to this app."""

from flask.cli import FlaskGroup

from diary import create_app
from diary.permissions import private_umask

# Every file a `diary` command writes (database, backups, exports) is its owner's alone.
private_umask()

main = FlaskGroup(
    name="diary",
    create_app=create_app,
    load_dotenv=False,
    help="Headache diary: serve it, manage accounts, import and export CSV files.",
)
