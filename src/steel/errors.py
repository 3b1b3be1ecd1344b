"""The one exception type for user mistakes: its message is shown as a single line, no traceback."""


class SteelError(Exception):
    """A problem the user can fix: bad input, missing file, unavailable device or weights."""
