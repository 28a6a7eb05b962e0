"""Chart builders: pure functions from a DataFrame to an Altair chart, one module per topic.

Shared conventions: explicit `:T`/`:Q`/`:N` types, tooltips on every mark, and the
Okabe–Ito colour-blind-safe palette (Okabe & Ito, 2008, "Color Universal Design").

Two habits keep building a chart cheap (Altair 6; measured in docs/performance.md):
- every encoding is a channel object (`alt.X2("end:T")`, `alt.YDatum(0)`,
  `alt.SizeValue(80, condition=...)`), never a shorthand string or `alt.value`/`alt.datum`/
  `alt.condition` dict, which Altair resolves by building a converter over its whole schema:
  3–15 ms per channel, against 0.1 ms;
- a compound chart (layer, concat, facet) gets its `resolve`, size, title and `config` as
  arguments when it is made: its methods (`resolve_scale`, `properties`, `configure_*`)
  copy it, and copying one runs its constructor again, which deep-copies every layer.
"""

from __future__ import annotations

from altair.utils import schemapi

# Altair's "debug mode" validates every schema object as it is created, and `to_dict` then
# validates the whole spec again. The first pass was a fifth of building a goal's timeline
# (docs/performance.md); the second still checks every spec before it is drawn (Streamlit's
# conversion calls `to_dict()`, which validates), so an invalid chart still fails, at
# `to_dict` rather than where the object was made. Process-wide, like the setting itself.
schemapi.disable_debug_mode()

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
