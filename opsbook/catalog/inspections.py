"""運營規章制度2: household gas-inspection sheets (filled in by the inspections issue)."""

RULES: list = []
