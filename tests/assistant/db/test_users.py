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
