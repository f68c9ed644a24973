"""The booth camera: preview frames, full-resolution stills, health (DESIGN §3)."""
