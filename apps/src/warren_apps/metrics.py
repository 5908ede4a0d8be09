"""A few Prometheus metrics, rendered in the text exposition format (no extra dependency)."""

from __future__ import annotations

import bisect
import math


def _labels(names, values):
    if not names:
        return ""
    pairs = ",".join('%s="%s"' % (n, str(v).replace("\\", "\\\\").replace('"', '\\"'))
                     for n, v in zip(names, values))
    return "{%s}" % pairs


class _Metric:
    kind = ""

    def __init__(self, registry, name, help_text, labels=()):
        self.name, self.help, self.label_names = name, help_text, tuple(labels)
        self._values = {}
        registry.register(self)

    def _key(self, labels):
        return tuple(labels[n] for n in self.label_names)

    def render(self):
        lines = ["# HELP %s %s" % (self.name, self.help), "# TYPE %s %s" % (self.name, self.kind)]
        if not self._values and not self.label_names:
            self._values[()] = 0
        for key, value in sorted(self._values.items()):
            lines.append("%s%s %s" % (self.name, _labels(self.label_names, key), _number(value)))
        return lines


def _number(value):
    if isinstance(value, float) and math.isinf(value):
        return "+Inf"
    return repr(value) if isinstance(value, float) else str(value)


class Counter(_Metric):
    kind = "counter"

    def inc(self, amount=1, **labels):
        key = self._key(labels)
        self._values[key] = self._values.get(key, 0) + amount

    def value(self, **labels):
        return self._values.get(self._key(labels), 0)


class Gauge(_Metric):
    kind = "gauge"

    def set(self, value, **labels):
        self._values[self._key(labels)] = value

    def value(self, **labels):
        return self._values.get(self._key(labels), 0)


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, registry, name, help_text, buckets):
        super().__init__(registry, name, help_text)
        self.bounds = sorted(buckets)
        self.counts = [0] * (len(self.bounds) + 1)
        self.sum = 0.0
        self.count = 0

    def observe(self, value):
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.sum += value
        self.count += 1

    def render(self):
        lines = ["# HELP %s %s" % (self.name, self.help), "# TYPE %s histogram" % self.name]
        running = 0
        for bound, count in zip(self.bounds + [math.inf], self.counts):
            running += count
            lines.append('%s_bucket{le="%s"} %d' % (self.name, _number(float(bound)), running))
        lines.append("%s_sum %r" % (self.name, self.sum))
        lines.append("%s_count %d" % (self.name, self.count))
        return lines


class Registry:
    def __init__(self):
        self._metrics = []

    def register(self, metric):
        self._metrics.append(metric)

    def counter(self, name, help_text, labels=()):
        return Counter(self, name, help_text, labels)

    def gauge(self, name, help_text, labels=()):
        return Gauge(self, name, help_text, labels)

    def histogram(self, name, help_text, buckets):
        return Histogram(self, name, help_text, buckets)

    def render(self) -> str:
        lines = []
        for metric in self._metrics:
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"
