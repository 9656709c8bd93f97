"""Parses /metrics' answer (stdin) with the Prometheus project's own Python client, strictly
as OpenMetrics text (the format Steward announces), and prints what it found as JSON:
{family: {"type": ..., "samples": [[name, labels, value], ...]}}. A malformed document makes
the parser raise, and this program exit non-zero with its message."""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

families = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    families[family.name] = {
        "type": family.type,
        "help": family.documentation,
        "samples": [[s.name, s.labels, s.value] for s in family.samples],
    }
print(json.dumps(families))
