"""What the workflow imports while it plans: sweeps, pairs, cell ids, params, batches and the
run folder's names. Standard library, PyYAML and jsonschema only (a test holds it to that).
"""
