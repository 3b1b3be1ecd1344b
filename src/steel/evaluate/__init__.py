"""Measures of a result (OCR, artefacts, style strength), the paper's claims tested on them, and
the convergence study.
"""
