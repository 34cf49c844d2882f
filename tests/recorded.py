"""Values of real recorded replies that many unit tests build their replies around (one copy, not one per file)."""
from __future__ import annotations

# The `time` block of a real crm.activity.add reply: eight keys, the operating ones included.
TIME = {
    "start": 1712132792.910734, "finish": 1712132793.530359, "duration": 0.6196250915527344,
    "processing": 0.032338857650756836, "date_start": "2024-04-03T10:26:32+02:00",
    "date_finish": "2024-04-03T10:26:33+02:00", "operating_reset_at": 1705765533, "operating": 3.3076241016387939,
}
