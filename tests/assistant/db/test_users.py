import pytest

from assistant.db.users import UserService


class TestUserService:
    def test_add_and_verify_password(self, sessions):
        users = UserService(sessions)
        ana = users.add("ana", "correct horse", role="technician")
        assert ana.role == "technician"
        assert users.verify("ana", "correct horse") == ana
        assert users.verify("ana", "wrong password") is None
        assert users.verify("nobody", "correct horse") is None

    def test_password_is_hashed_with_argon2(self, sessions):
        from assistant.db.models import User

        UserService(sessions).add("bo", "another pass")
        with sessions() as s:
            stored = s.query(User).one().password_hash
        assert stored.startswith("$argon2") and "another pass" not in stored

    def test_rejects_duplicates_bad_roles_and_short_passwords(self, sessions):
        users = UserService(sessions)
        users.add("ana", "correct horse")
        with pytest.raises(ValueError, match="already exists"):
            users.add("ana", "correct horse")
        with pytest.raises(ValueError, match="invalid role"):
            users.add("cy", "correct horse", role="boss")
        with pytest.raises(ValueError, match="at least"):
            users.add("cy", "short")
        with pytest.raises(ValueError, match="invalid username"):
            users.add("no spaces", "correct horse")

    def test_set_role_and_list(self, sessions):
        users = UserService(sessions)
        users.add("ana", "correct horse")
        users.add("sam", "correct horse", role="supervisor")
        assert users.set_role("ana", "admin").role == "admin"
        assert [(u.username, u.role) for u in users.list()] == [("ana", "admin"), ("sam", "supervisor")]
        with pytest.raises(LookupError):
            users.set_role("ghost", "admin")

    def test_ensure_admin_only_on_first_run(self, sessions):
        users = UserService(sessions)
        password = users.ensure_admin()
        assert password and len(password) >= 12
        assert users.verify("admin", password).role == "admin"
        assert users.ensure_admin() is None


class TestAccountStates:
    def test_changes_that_end_sessions_raise_the_token_version(self, sessions):
        users = UserService(sessions)
        start = users.add("ana", "correct horse").token_version
        users.set_password("ana", "another horse")
        assert users.session_state("ana") == (start + 1, True)
        assert users.revoke_sessions("ana").token_version == start + 2
        assert users.disable("ana").token_version == start + 3
        assert users.session_state("ana") == (start + 3, False)
        assert users.session_state("ghost") is None

    def test_disabled_and_deleted_accounts_cannot_log_in(self, sessions):
        users = UserService(sessions)
        users.add("ana", "correct horse")
        users.add("bo", "correct horse")
        users.disable("ana")
        assert users.verify("ana", "correct horse") is None
        users.enable("ana")
        assert users.verify("ana", "correct horse").active
        deleted = users.delete("bo")
        assert deleted.deleted and deleted.status == "deleted"
        assert users.verify("bo", "correct horse") is None
        assert [u.username for u in users.list()] == ["ana"]
        assert [u.username for u in users.list(include_deleted=True)] == ["ana", "bo"]
        with pytest.raises(ValueError, match="was deleted"):
            users.add("bo", "correct horse")
