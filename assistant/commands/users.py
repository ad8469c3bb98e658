"""``maintassist users add|list|set-role|set-password``: accounts for the chat app."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table


def _services(data_dir: Path | None):
    from assistant.cli import container_from
    from assistant.db.audit import AuditLog
    from assistant.db.users import UserService

    container = container_from(data_dir)
    return UserService(container.session_factory), AuditLog(container.session_factory)


def register(app: typer.Typer) -> None:
    from assistant.cli import DataDirOption

    users_app = typer.Typer(help="Manage chat users (technician, supervisor, admin).", no_args_is_help=True)
    app.add_typer(users_app, name="users")

    @users_app.command("add")
    def add(
        name: str = typer.Argument(..., help="Login name (letters, digits, . _ @ -)."),
        role: str = typer.Option("technician", "--role", help="technician | supervisor | admin"),
        password: str | None = typer.Option(None, "--password", help="Password; prompted when omitted."),
        generate: bool = typer.Option(False, "--generate", help="Generate a password and print it once."),
        data_dir: Path = DataDirOption,
    ) -> None:
        """Create a user. Without --password you are prompted (or use --generate)."""
        from assistant.db.users import generate_password

        if password is None:
            password = generate_password() if generate else typer.prompt(
                "Password", hide_input=True, confirmation_prompt=True)
        users, audit = _services(data_dir)
        try:
            user = users.add(name, password, role=role)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        audit.append("cli", "user_added", {"username": user.username, "role": user.role})
        typer.echo(f"created {user.username} ({user.role})")
        if generate:
            typer.echo(f"password (shown once): {password}")

    @users_app.command("list")
    def list_users(data_dir: Path = DataDirOption) -> None:
        """List users and their roles."""
        users, _ = _services(data_dir)
        table = Table("username", "role", "created")
        for user in users.list():
            table.add_row(user.username, user.role, user.created_at.isoformat(timespec="seconds"))
        Console().print(table)

    @users_app.command("set-role")
    def set_role(name: str, role: str = typer.Argument(..., help="technician | supervisor | admin"),
                 data_dir: Path = DataDirOption) -> None:
        """Change a user's role."""
        users, audit = _services(data_dir)
        try:
            user = users.set_role(name, role)
        except (ValueError, LookupError) as exc:
            raise typer.BadParameter(str(exc)) from exc
        audit.append("cli", "role_changed", {"username": user.username, "role": user.role})
        typer.echo(f"{user.username} is now {user.role}")

    @users_app.command("set-password")
    def set_password(name: str, data_dir: Path = DataDirOption) -> None:
        """Reset a user's password (prompted)."""
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
        users, audit = _services(data_dir)
        try:
            users.set_password(name, password)
        except (ValueError, LookupError) as exc:
            raise typer.BadParameter(str(exc)) from exc
        audit.append("cli", "password_reset", {"username": name})
        typer.echo(f"password of {name} changed")
