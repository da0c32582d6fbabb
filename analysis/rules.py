"""Recommendations belong to a deployment: its organisation's team curates them."""

import rules

from deployments.rules import can_delete, can_work_on

for action in ("view", "add", "change"):
    rules.add_perm(f"analysis.{action}_recommendation", can_work_on)
rules.add_perm("analysis.delete_recommendation", can_delete)
