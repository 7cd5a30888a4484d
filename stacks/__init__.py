"""Stacks: per environment a cluster stack and an apps stack. Composition only; the parts are in constructs/."""
