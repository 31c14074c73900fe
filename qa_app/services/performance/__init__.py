"""How the partnership judges its measures: targets set by QA leads, and its own settings."""
