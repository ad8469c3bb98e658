"""``maintassist users add|list|set-role|set-password|disable|enable|delete``: accounts for the chat app.

Changing a password, disabling or deleting an account ends its open chat sessions at once.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table


def _services(data_dir: Path | None):
    from assistant.wiring import container_from
    from assistant.db.users import UserService

    container = container_from(data_dir)
    return UserService(container.session_factory), container.audit


def register(app: typer.Typer) -> None:
    from assistant.cli.options import DataDirOption

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
    def list_users(show_deleted: bool = typer.Option(False, "--deleted", help="Include deleted accounts."),
                   data_dir: Path = DataDirOption) -> None:
        """List users, their roles and whether they may log in."""
        users, _ = _services(data_dir)
        table = Table("username", "role", "status", "created")
        for user in users.list(include_deleted=show_deleted):
            table.add_row(user.username, user.role, user.status, user.created_at.isoformat(timespec="seconds"))
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
        typer.echo(f"password of {name} changed; their open sessions have ended")

    def _change(name: str, data_dir: Path | None, action: str, apply, done: str) -> None:
        users, audit = _services(data_dir)
        try:
            apply(users)
        except LookupError as exc:
            raise typer.BadParameter(str(exc)) from exc
        audit.append("cli", action, {"username": name})
        typer.echo(f"{name} {done}")

    @users_app.command("disable")
    def disable(name: str, data_dir: Path = DataDirOption) -> None:
        """Stop a user from logging in and end their open sessions (undo with `enable`)."""
        _change(name, data_dir, "user_disabled", lambda users: users.disable(name),
                "is disabled; their open sessions have ended")

    @users_app.command("enable")
    def enable(name: str, data_dir: Path = DataDirOption) -> None:
        """Let a disabled user log in again."""
        _change(name, data_dir, "user_enabled", lambda users: users.enable(name), "may log in again")

    @users_app.command("delete")
    def delete(name: str, yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
               data_dir: Path = DataDirOption) -> None:
        """Delete a user: the password is erased, sessions end, the name is never reused.

        Their conversations and audit events are kept for audits."""
        if not yes:
            typer.confirm(f"Delete user {name}? They can never log in again", abort=True)
        _change(name, data_dir, "user_deleted", lambda users: users.delete(name),
                "is deleted; conversations and audit events are kept for audits")
