"""Extension objects, created unbound and initialised in create_app."""

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel, lazy_gettext
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from diary import ratelimits  # noqa: F401 (registers the diary-sqlite:// storage)
from diary.sessions import SessionWhereUsed


class Base(DeclarativeBase):
    # Named constraints, so that Alembic can alter them (batch mode on SQLite).
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
# The counts go where RATELIMIT_STORAGE_URI says: by default a SQLite file of the instance
# folder (diary.ratelimits), shared by processes and kept across restarts.
limiter = Limiter(get_remote_address, default_limits=[])
# gzip or brotli for pages, styles, scripts and JSON: a phone on a slow network waits less.
compress = Compress()
babel = Babel()


def init_extensions(app: Flask) -> None:
    """Bind the extensions to the app."""
    db.init_app(app)
    migrate.init_app(app, db)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    # Only the share pages' limit (a decorator, which checks for itself) and the sign-in
    # throttle (diary/throttle.py, which asks the storage itself) count anything: the hook
    # Flask-Limiter runs before every request would only look for limits there are not.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    app.session_interface = SessionWhereUsed()
    compress.init_app(app)
    from diary.cache import init_cache  # its session events need `db`
    from diary.i18n import install_template_gettext, select_locale  # needs Flask-Login
    from diary.sqlite import configure_sqlite  # its units of work need `db`

    init_cache(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)

    @app.after_request
    def read_static_files_whole(response):
        """Hand a static file to Flask-Compress read whole (they are small), so it is compressed.

        Runs before Compress's own hook, which Flask calls last as it was registered first.
        """
        if request.endpoint == "static" and response.status_code == 200 and response.is_streamed:
            response.direct_passthrough = False
            response.make_sequence()  # closes the file when the response is closed
        return response

    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to open your diary.")
    login_manager.login_message_category = "info"
    with app.app_context():
        configure_sqlite(db.engine)
