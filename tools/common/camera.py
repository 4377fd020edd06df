"""How far the embedded camera moves travel: shared by the moves, the framing and the critic.

The key-visual layout keeps the subject clear of text through a move's whole window and the
critic follows the subject through it, so both need the same numbers the motion stage renders
with; they live here, beneath every stage, so none has to import another stage for them.
"""

from __future__ import annotations

ZOOM = 0.12  # how far push/pull moves travel, as a fraction of the frame
PAN_ZOOM = 1.15  # pans and tilts crop in this far so there is room to travel
