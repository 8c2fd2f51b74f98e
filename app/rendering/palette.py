"""The Diandian colours, shared by the certificate and the poster so that both look alike."""
from __future__ import annotations

RGB = tuple[int, int, int]

FOREST: RGB = (20, 66, 47)       # outer ground, title
GREEN: RGB = (30, 110, 72)       # figures, emblem
LEAF: RGB = (104, 166, 96)
MINT: RGB = (226, 238, 222)      # panel tint
GOLD: RGB = (178, 144, 78)
GOLD_LIGHT: RGB = (214, 190, 132)
PAPER: RGB = (252, 249, 240)
PAPER_LOW: RGB = (242, 244, 230)  # bottom of the paper gradient
INK: RGB = (34, 40, 36)
MUTED: RGB = (104, 114, 104)
QR_DARK: RGB = (16, 42, 30)
WHITE: RGB = (255, 255, 255)
STAMP_RED: RGB = (204, 28, 36)
