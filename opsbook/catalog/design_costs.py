"""運營規章制度3 §三: design requests and costs (filled in by the design-cost issue)."""

RULES: list = []
