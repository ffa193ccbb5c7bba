"""Users' openids, devices and bindings (see DESIGN.md, Models)."""
