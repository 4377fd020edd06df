"""The typed contracts every stage hands to the next, in one namespace.

Stages import contracts from here (``from tools.handoffs import Script``); the definitions live in
``base`` (stage names, shared literals), one module per handoff of the line (``brief``,
``anchor``, ``script``, ``keyvisuals``, ``audio``, ``motion``, ``edit``), ``records`` (what
bundles them), ``qa``, ``revision`` and ``stages`` (the stage table: order, graph node, label
and cache version). ``contracts`` only keeps the pre-split names for old checkpoints.
"""

from tools.handoffs.anchor import *  # noqa: F403
from tools.handoffs.audio import *  # noqa: F403
from tools.handoffs.base import *  # noqa: F403
from tools.handoffs.brief import *  # noqa: F403
from tools.handoffs.edit import *  # noqa: F403
from tools.handoffs.keyvisuals import *  # noqa: F403
from tools.handoffs.motion import *  # noqa: F403
from tools.handoffs.qa import *  # noqa: F403
from tools.handoffs.records import *  # noqa: F403
from tools.handoffs.revision import *  # noqa: F403
from tools.handoffs.script import *  # noqa: F403
from tools.handoffs.stages import *  # noqa: F403
