import json

from assistant.app.branding import apply_overrides, write_translations


def test_login_form_asks_for_a_user_name_and_errors_read_as_sentences(tmp_path):
    path = write_translations(tmp_path)
    assert path == tmp_path / ".chainlit" / "translations" / "en-US.json"
    login = json.loads(path.read_text(encoding="utf-8"))["auth"]["login"]
    assert login["form"]["email"]["label"] == "User name" and "@" not in login["form"]["email"]["placeholder"]
    assert login["errors"]["credentialssignin"].startswith("Wrong user name or password")
    assert login["form"]["password"]["label"] == "Password"  # Chainlit's own text stays where not overridden


def test_overrides_set_nested_keys_and_skip_comments():
    assert apply_overrides({"a": {"b": "x"}}, {"_comment": "c", "a.b": "y", "a.c.d": "z"}) == \
        {"a": {"b": "y", "c": {"d": "z"}}}
