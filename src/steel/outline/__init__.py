"""Logos as closed Bezier outlines rather than pixels: the outlines of a word's glyphs, and a
differentiable rasteriser that turns them into soft coverage for the VGG16 losses, with gradients
to every control point.
"""
