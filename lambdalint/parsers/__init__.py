"""Input formats to the one model. Rules never import from here."""
