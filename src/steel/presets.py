"""The named presets (``--preset``, the config's ``preset``): what each sets, and for which optimiser.

Torch-free: the command's ``--help`` and the workflow's planning import it.
"""

from __future__ import annotations

from collections.abc import Collection

from steel.errors import SteelError
from steel.settings import BY_NAME

#: what a preset sets: the optimiser's schedule, the working width and the weights
PRESET_SETTINGS = ("iterations", "lr", "lr_schedule", "lr_final", "log_every", "width", "weights")
#: named presets (``--preset``, the config's ``preset``): ``quick`` shows the method in minutes on a
#: CPU wherever the package registry is reachable (a hot Adam annealed along a cosine, 300 steps at
#: 256 px: the demo's schedule; HED weights), ``paper`` is the paper's run (Adam at lr 1.0 for
#: 50,000 steps, ImageNet weights: the library's and the schema's defaults). A
#: preset expands into explicit values before anything reads the settings, so it never enters a
#: rule's params by name; what a user sets explicitly wins.
PRESETS = {
    "quick": {
        "iterations": 300,
        "lr": 8.0,
        "lr_schedule": "cosine",
        "lr_final": 0.1,
        "log_every": 10,
        "width": 256,
        "weights": "hed",
    },
    "paper": {name: BY_NAME[name].default for name in PRESET_SETTINGS},
}
#: the optimiser each preset's schedule was chosen for. Another optimiser under that preset must set
#: its own learning rate and schedule (:func:`preset_values` refuses otherwise): measured on the
#: demo's two pairs (HED weights, the quick budget of 300 steps at 256 px), no single L-BFGS
#: schedule suits both. Adam's hot cosine (lr 8) made L-BFGS's loss NaN by step 40; a constant
#: lr 1 read perfectly on one pair and diverged on the other (loss x100 by step 10); lr 0.25 and
#: 0.1 left one pair's word unreadable.
PRESET_OPTIMIZERS = {"quick": "adam"}
#: the settings that another optimiser under such a preset must set itself
SCHEDULE_SETTINGS = ("lr", "lr_schedule")
#: the command's preset when none is given: a first run takes minutes, not hours
COMMAND_PRESET = "quick"


def preset_values(name: str, optimizer: str, given: Collection[str] = ()) -> dict:
    """What the preset ``name`` sets (:data:`PRESETS`) for a run with ``optimizer``, the user
    having given the settings named in ``given``. A preset whose schedule belongs to another
    optimiser (:data:`PRESET_OPTIMIZERS`) is refused unless ``given`` holds every one of
    :data:`SCHEDULE_SETTINGS`."""
    if name not in PRESETS:
        raise SteelError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}")
    owner = PRESET_OPTIMIZERS.get(name, optimizer)
    missing = [setting for setting in SCHEDULE_SETTINGS if setting not in given]
    if owner != optimizer and missing:
        lr, schedule = (BY_NAME[setting] for setting in SCHEDULE_SETTINGS)
        raise SteelError(
            f"the {name} preset's schedule ({lr.name} {PRESETS[name][lr.name]}, "
            f"{PRESETS[name][schedule.name]}) is {owner}'s and wrecks {optimizer}; set both "
            f"{lr.flag} and {schedule.flag} (e.g. {lr.flag} 1 {schedule.flag} constant; in a "
            f"config {lr.section}: {lr.key} and {schedule.key}), or use --preset paper"
        )
    return dict(PRESETS[name])
