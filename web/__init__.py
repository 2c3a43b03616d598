"""HTTP: pages and API over the domain services. Nothing here holds a rule."""
