"""What the workflow's jobs do, one module per job family, called by the thin scripts under
workflow/scripts/: config sections map onto library calls here, so the scripts hold no logic and
tests reach it. Nothing outside this package imports from it.
"""
