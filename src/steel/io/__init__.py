"""Logos in and results out: images and SVGs read safely, words drawn as logos, files written
atomically.
"""
