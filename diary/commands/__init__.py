"""The diary's command line: `diary ...` or `flask --app diary ...`."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from diary.commands import (
        backups,
        check_ins,
        days,
        reminders,
        report,
        serve,
        shares,
        tokens,
        transfer,
        users,
    )

    app.cli.add_command(serve.serve)
    app.cli.add_command(users.user)
    app.cli.add_command(transfer.import_command)
    app.cli.add_command(transfer.export_command)
    app.cli.add_command(reminders.reminders)
    app.cli.add_command(check_ins.check_ins)
    app.cli.add_command(report.report)
    app.cli.add_command(days.days)
    app.cli.add_command(tokens.token)
    app.cli.add_command(shares.share)
    app.cli.add_command(backups.backup)
    app.cli.add_command(backups.restore)
