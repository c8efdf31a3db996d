"""The action table is the one list of actions: every annotation action has an entry, a call, and a
place in status."""

from __future__ import annotations

from instance_operator.api.models import ActionsStatus
from instance_operator.api.names import Action
from instance_operator.controller.actions.table import ACTIONS


def test_every_action_has_one_entry_with_a_call_and_an_end() -> None:
    assert set(ACTIONS) == set(Action)
    for action, kind in ACTIONS.items():
        # A plain action is sent from the table and ends in a server status; the one that is not
        # (snapshot) has a call of its own and ends in Glance.
        assert (kind.send is None) == (kind.target is None), action
        assert kind.already is None or kind.already_done, action


def test_every_action_has_its_record_in_status() -> None:
    keys = {field.alias or name for name, field in ActionsStatus.model_fields.items()}
    assert keys == {action.status_key for action in Action}
