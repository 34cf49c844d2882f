"""The Bitrix facts moved to spec/ in issue #22 follow it: a process started on an edited copy of spec/
(B24CONFORM_SPEC_DIR) reads the edited values in every module that uses them, and one started on the real
spec/ reads what the modules spelled before the move (test_facts_in_spec.BEFORE). A fresh process, because
the modules derive these values once, at import.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from test_facts_in_spec import BEFORE, CONTRACT

from b24conform.contract.paths import ENV_VAR

# Prints, as JSON, every value BEFORE names, read from the modules that use them.
PROBE = """
import json
from b24conform.contract import load_contract
from b24conform.judge.checks import readback
from b24conform.portal import commands, config, records, seed, validation
from b24conform.portal.methods import users

try:
    commands._limits_option("professional")
    professional = "accepted"
except Exception as exc:
    professional = str(exc)
print(json.dumps({
    "numbers": readback.PLAIN_INTEGER_FIELDS,
    "integer_fields": readback.integer_fields(load_contract()),
    "defaults": records.DEFAULTS,
    "providers": {str(k): v for k, v in records.DEFAULT_PROVIDERS.items()},
    "communication_types": {str(k): v for k, v in records.COMMUNICATION_TYPES.items()},
    "filled_comm_type": {str(k): v for k, v in readback.FILLED_COMM_TYPE.items()},
    "fitting": {str(k): v for k, v in validation.FITTING_COMMUNICATION.items()},
    "user_keys": users.USER_KEYS,
    "profile_keys": users.PROFILE_KEYS,
    "owner_types": seed.OWNER_TYPES,
    "limit_plans": config.LIMIT_PLANS,
    "professional": professional,
}))
"""


def _probe(spec: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    if spec is not None:
        env[ENV_VAR] = str(spec)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _as_json(value):
    return json.loads(json.dumps(value))


def test_the_moved_facts_move_with_the_spec(tmp_path):
    spec = tmp_path / "spec"
    shutil.copytree(CONTRACT.root, spec)

    def edit(name: str, old: str, new: str) -> None:
        text = (spec / name).read_text(encoding="utf-8")
        assert old in text, (name, old)
        (spec / name).write_text(text.replace(old, new, 1), encoding="utf-8")

    edit("fields.yaml", "NOTIFY_VALUE]\n  defaults:", "NOTIFY_VALUE, RESULT_MARK]\n  defaults:")
    edit("fields.yaml", "PRIORITY: 2, NOTIFY_TYPE: 0,", "PRIORITY: 3, NOTIFY_TYPE: 0,")
    edit("fields.yaml", "PROVIDER_ID: VOXIMPLANT_CALL, PROVIDER_TYPE_ID: CALL, COMMUNICATION_TYPE: PHONE}",
         "PROVIDER_ID: SOME_TELEPHONY, PROVIDER_TYPE_ID: CALL, COMMUNICATION_TYPE: SIP}")
    edit("items.yaml", 'USER_TYPE: employee}', 'USER_TYPE: extranet}')
    edit("items.yaml", '    keys: {NAME: "", LAST_NAME: "", PERSONAL_GENDER: "", TIME_ZONE: ""}',
         '    keys: {NAME: "", LAST_NAME: "", PERSONAL_GENDER: "", TIME_ZONE: "", EMAIL: ""}')
    edit("enums.yaml", '{ID: 2, NAME: "Deal", SYMBOL_CODE: DEAL,', '{ID: 12, NAME: "Deal", SYMBOL_CODE: DEAL,')
    edit("limits.yaml", "  enterprise: {rate: 5.0, burst: 250}\n",
         "  enterprise: {rate: 5.0, burst: 250}\n  professional: {rate: 2.0, burst: 50}\n")

    today, moved = _probe(), _probe(spec)
    assert today == {**_as_json(BEFORE), "fitting": _as_json(BEFORE["filled_comm_type"]),
                     "professional": today["professional"]}
    assert "unknown plan 'professional'" in today["professional"]
    assert moved["numbers"][-1] == "RESULT_MARK" and "RESULT_MARK" in moved["integer_fields"]
    assert moved["defaults"]["PRIORITY"] == 3
    assert moved["providers"]["2"] == ["SOME_TELEPHONY", "CALL"]
    assert moved["communication_types"]["2"] == moved["filled_comm_type"]["2"] == moved["fitting"]["2"] == "SIP"
    assert moved["user_keys"]["USER_TYPE"] == "extranet" and moved["profile_keys"]["EMAIL"] == ""
    assert moved["owner_types"]["deals"] == 12
    assert moved["limit_plans"] == ["off", "standard", "enterprise", "professional"]
    assert moved["professional"] == "accepted"
