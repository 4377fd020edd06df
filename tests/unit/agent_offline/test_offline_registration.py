"""The offline model registers its built-in rules and skills when made, never on import."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import REPO


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter, so no earlier import has registered anything."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_importing_the_rules_and_the_revision_module_registers_nothing() -> None:
    out = _run(
        """
        import agent.offline.rules, agent.models, tools.revision.plan
        from agent.offline import model
        print(len(model._RULES), len(model._SKILLS))
        """
    )
    assert out == "0 0"


def test_a_model_made_directly_knows_every_tool_rule_and_the_script_skill() -> None:
    out = _run(
        """
        from langchain_core.messages import HumanMessage, SystemMessage
        from agent.actions import TOOL_NAMES, tool_specs
        from agent.offline import model

        offline = model.OfflineChatModel()
        assert sorted(model._RULES) == sorted(TOOL_NAMES), sorted(model._RULES)
        assert set(model._SKILLS) == {"ScriptDraft"}
        state = SystemMessage('```json\\n{"phase": "cut"}\\n```')
        answer = offline.bind_tools(list(tool_specs())).invoke([state, HumanMessage("publish")])
        print(answer.tool_calls[0]["name"])
        """
    )
    assert out == "publish"


def test_a_rule_registered_before_the_first_model_is_kept() -> None:
    out = _run(
        """
        from agent.offline import model

        model.register_rule("publish", lambda messages: {"mine": True})
        model.OfflineChatModel()
        print(model._RULES["publish"]([]))
        """
    )
    assert out == "{'mine': True}"
