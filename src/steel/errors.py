"""The exceptions a user meets: a mistake to fix (one line, no traceback), and Ctrl-C mid-run."""


class SteelError(Exception):
    """A problem the user can fix: bad input, missing file, unavailable device or weights."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during the optimisation, with the images ((B, 3, H, W) tensor, 0-255, on the CPU) and
    the logs as far as they got, so that a caller may keep them under a name that says so."""

    def __init__(self, step: int, total: int, images, logs: list[list[dict[str, float]]]):
        super().__init__(f"interrupted at step {step} of {total}")
        self.step, self.total, self.images, self.logs = step, total, images, logs
