"""Impact evaluation: Pioneer areas against comparison areas (see ``docs/impact/``)."""
