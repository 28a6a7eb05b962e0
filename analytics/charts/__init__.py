"""Chart builders: pure functions from a DataFrame to an Altair chart, one module per topic.

Shared conventions: explicit `:T`/`:Q`/`:N` types, tooltips on every mark, and the
Okabe–Ito colour-blind-safe palette (Okabe & Ito, 2008, "Color Universal Design").
"""

from __future__ import annotations

# Okabe–Ito: distinguishable under the common colour-vision deficiencies.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
    "black": "#000000",
}
