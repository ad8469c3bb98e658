from assistant.app.handlers import COMMAND_RE
from assistant.app.ui import ANY_MACHINE, machine_mode, selected_machine


class TestCommands:
    def test_command_patterns(self):
        assert COMMAND_RE.match("/procedure pump whining").groups() == ("procedure", "pump whining")
        assert COMMAND_RE.match("/Procedure").groups() == ("Procedure", "")
        assert COMMAND_RE.match("/audit flagged user=ana").groups() == ("audit", "flagged user=ana")
        assert COMMAND_RE.match("/thread 1a2b").groups() == ("thread", "1a2b")
        assert COMMAND_RE.match("how do I run a /procedure?") is None


class TestMachineChip:
    def test_options_never_have_an_empty_value(self):
        """Chainlit's pickers blank the page on an empty option value (the old "Any machine")."""
        mode = machine_mode([("PRESS-04", "PRESS-04 · Hydraulic press 4")], None)
        assert all(o.id for o in mode.options)
        assert [o.id for o in mode.options if o.default] == [ANY_MACHINE]
        qr = machine_mode([("PRESS-04", "PRESS-04 · Hydraulic press 4")], "NEW-9")  # a QR to an unlisted asset
        assert [o.id for o in qr.options] == [ANY_MACHINE, "PRESS-04", "NEW-9"]
        assert [o.id for o in qr.options if o.default] == ["NEW-9"]

    def test_selection_sent_with_a_message(self):
        assert selected_machine({"machine": "PRESS-04"}) == "PRESS-04"
        assert selected_machine({"machine": ANY_MACHINE}) is None
        assert selected_machine(None) is False and selected_machine({"other": "x"}) is False
