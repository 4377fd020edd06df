"""The typed contracts every stage hands to the next, in one namespace.

Stages import contracts from here (``from tools.handoffs import Script``); the definitions live in
``base`` (stage names, shared literals), ``contracts`` (the production line's handoffs), ``qa`` and
``revision``.
"""

from tools.handoffs.base import *  # noqa: F403
from tools.handoffs.contracts import *  # noqa: F403
from tools.handoffs.qa import *  # noqa: F403
from tools.handoffs.revision import *  # noqa: F403
