"""Pure figure builders: DataFrame in, plotly Figure out. Never import streamlit here.

Pages and the weekly export call the same functions, so a chart on screen and in the pack are
the same chart. Figures carry an explicit template (EXPORT_TEMPLATE): inside Streamlit the
default template has placeholder colours that export as black.
"""

EXPORT_TEMPLATE = "plotly_white"
