"""Platform or component, from SIPRI's weapon description.

A platform carries other things (aircraft, helicopters, UAVs, ships, submarines, armoured
vehicles, self-propelled guns, satellites); everything else (engines, radars, sonars, turrets,
guns, missiles, torpedoes, systems) is a component, something fitted to or carried by a platform.
"""

from __future__ import annotations

import re
from functools import cache

_COMPONENT = re.compile(
    r"\b(engine|radar|sonar|turret|turbofan|turbojet|turboprop|turboshaft|gas turbine|"
    r"EO system|refuel system|launcher)s?\b",
    re.IGNORECASE,
)
_PLATFORM = re.compile(
    r"\b(aircraft|ac|helicopter|UAV|UCAV|AV|airship|aerostat|balloon|satellite|ship|submarine|"
    r"craft|boat|frigate|corvette|destroyer|cruiser|carrier|minesweeper|minehunter|"
    r"minelayer|tanker|tug|icebreaker|hovercraft|OPV|FAC|MCM|tank|APC|APV|IFV|ARV|AEV|AIFV|"
    r"armoured car|vehicle|self-propelled|tank destroyer|bridge-layer|MRAP)s?\b",
    re.IGNORECASE,
)


@cache
def description_kind(description: str) -> str:
    """ "platform" or "component" (``ItemKind`` values) for a SIPRI weapon description."""
    if _COMPONENT.search(description):
        return "component"
    if _PLATFORM.search(description):
        return "platform"
    return "component"
