"""The shape of a reproduction script, written by the judge and recomposed by the reports.

The judge writes a problem's reproduction (judge/reproduce.py) from what its own process saw: the run's
records the failing request names are made anew, the honoured writes to them replayed, the request sent,
what was made deleted. One thing it cannot know is which other problem this one follows from: that is
found across the whole run, by the reports (problems.order). A consequence seen in a later reply (a list
that no longer finds the activity a wrong-code delete removed) only shows again when its cause's
request is replayed first; `consequence` builds that script from the cause's reproduction and its own.

Both sides go through `Script`, so the layout is written in one place and read back from it. Variables
are named after the record the run had (ACTIVITY_2 for activity 2), so the cause's script and the
consequence's, built apart, name a shared record by the same variable.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

HEAD = (
    "#!/bin/sh",
    "# Reproduces the request that showed the problem, on the same portal, after the run.",
    "# Put your webhook code (or OAuth token) in place of *** first.",
)
_MADE_PREFIX = "# The run's own records it names ("
_MADE_NOTE = (_MADE_PREFIX + "{names}) were deleted at its end: they are made anew first,",
              "# marked like the judge's records (`b24conform cleanup` finds them), and deleted at the end.")
CA_NOTE = "# A portal whose certificate your own CA signs: export CURL_CA_BUNDLE=/path/to/ca.pem first."
_WRONG_LINE = "WRONG_CODE={code}  # a wrong webhook code, sent on purpose: the portal must refuse it"
# A command that makes a record anew binds its variable: ENTITY_<the run's id>.
_MAKES = re.compile(r"^([A-Z]+_\d+)=\$\(curl ")
# A line that starts a command; any other line after the comments continues the one before (a body sent
# as it was may hold line breaks).
_STARTS = re.compile(r"^(?:curl |[A-Z]+_\d+=\$\(curl |echo$)")
_WRONG = re.compile(r"^WRONG_CODE=(\S+)")
_ONE_LINE_WRONG = re.compile(r"^WRONG_CODE=(\S+); (curl .*)$", re.S)
_USES = re.compile(r"'\"\$([A-Z]+_\d+)\"'")


def made_by(command: str) -> str | None:
    """The variable a command binds (the record it makes anew), None for any other command."""
    found = _MAKES.match(command)
    return found.group(1) if found else None


@dataclass(frozen=True)
class Script:
    """A reproduction: notes for the reader, the wrong code it sends on purpose (if any), the commands
    that set the stage (records made anew, honoured writes replayed), the request that shows the
    problem, and the deletes of what it made."""

    request: str
    setup: tuple[str, ...] = ()
    cleanup: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    wrong_code: str | None = None

    @property
    def made(self) -> list[str]:
        return [name for name in map(made_by, self.setup) if name]

    def render(self) -> str:
        lines = list(HEAD)
        if self.made:
            names = ", ".join(f"{name.rsplit('_', 1)[0].lower()} {name.rsplit('_', 1)[1]}" for name in self.made)
            lines += [_MADE_NOTE[0].format(names=names), _MADE_NOTE[1]]
        lines += [*self.notes, CA_NOTE]
        if self.wrong_code is not None:
            lines.append(_WRONG_LINE.format(code=self.wrong_code))
        lines += [*self.setup, self.request]
        if self.cleanup:
            lines += ["echo", *self.cleanup]
        return "\n".join(lines)

    @classmethod
    def parse(cls, text: str) -> Script | None:
        """The script `render` wrote, or a one-line curl (a wrong code set before it: `WRONG_CODE=...; curl`);
        None for anything else."""
        if not text.startswith(HEAD[0] + "\n"):
            one = _ONE_LINE_WRONG.match(text)
            if one:
                return cls(request=one.group(2), wrong_code=one.group(1))
            return cls(request=text) if text.startswith("curl ") else None
        lines = text.split("\n")
        if tuple(lines[:len(HEAD)]) != HEAD or CA_NOTE not in lines:
            return None
        ca = lines.index(CA_NOTE)
        notes = tuple(line for line in lines[len(HEAD):ca] if not line.startswith((_MADE_PREFIX, _MADE_NOTE[1])))
        rest = lines[ca + 1:]
        wrong = _WRONG.match(rest[0]) if rest else None
        if wrong:
            rest = rest[1:]
        commands: list[str] = []
        for line in rest:
            if _STARTS.match(line) or not commands:
                commands.append(line)
            else:
                commands[-1] += "\n" + line
        cut = commands.index("echo") if "echo" in commands else len(commands)
        if cut == 0 or not _STARTS.match(commands[0]):
            return None
        return cls(request=commands[cut - 1], setup=tuple(commands[:cut - 1]), cleanup=tuple(commands[cut + 1:]),
                   notes=notes, wrong_code=wrong.group(1) if wrong else None)


def consequence(own: Script, causes: Sequence[Script], note: str) -> Script:
    """`own` with its causes' requests sent first, after the stage both set: every record either names made
    anew once (a shared record's variable is the same in both), every write either replays kept, then each
    cause's request (its reply left out: the cause has its own reproduction), then `own`'s request; what
    only a cause made is deleted too, before what `own` made (it may name it)."""
    setup = list(own.setup)
    made = set(own.made)
    extra_cleanup: list[str] = []
    for cause in causes:
        for command in cause.setup:
            name = made_by(command)
            if (name in made) if name else (command in setup):
                continue
            setup.append(command)
            if name:
                made.add(name)
        mine = set(cause.made) - set(own.made)
        extra_cleanup[:0] = [c for c in cause.cleanup if set(_USES.findall(c)) & mine and c not in extra_cleanup]
    replays = [f"{cause.request} >/dev/null  # the cause's request, as the run sent it" for cause in causes]
    wrong = own.wrong_code or next((c.wrong_code for c in causes if c.wrong_code), None)
    notes = [*own.notes, note, *(n for c in causes for n in c.notes if n not in own.notes)]
    return Script(request=own.request, setup=(*setup, *replays), cleanup=(*extra_cleanup, *own.cleanup),
                  notes=tuple(dict.fromkeys(notes)), wrong_code=wrong)
