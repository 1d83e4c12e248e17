"""What a scenario found: figures to print, checks with the value they must have."""

from dataclasses import dataclass, field


@dataclass
class Report:
    name: str
    seconds: float = 0.0
    figures: dict = field(default_factory=dict)    # name -> value, for the reader
    checks: dict = field(default_factory=dict)     # name -> (value found, value required)
    requests: dict = field(default_factory=dict)   # kind -> Tally.summary() figures

    def figure(self, name, value):
        self.figures[name] = value

    def check(self, name, value, required=0):
        self.checks[name] = (value, required)

    @property
    def failures(self):
        return {name: found for name, (found, required) in self.checks.items() if found != required}

    def lines(self):
        out = [f"== {self.name} ({self.seconds:.0f} s) =="]
        if self.requests:
            out.append(f"  {'request':<18}{'answered':>10}{'held /s':>10}{'p50 ms':>9}{'p99 ms':>9}  answers")
            for kind, row in self.requests.items():
                answers = ", ".join(f"{k}: {v}" for k, v in sorted(row["answers"].items(), key=str))
                out.append(f"  {kind:<18}{row['requests']:>10}{row['rate']:>10.1f}{row['p50_ms']:>9.1f}"
                           f"{row['p99_ms']:>9.1f}  {answers}")
        for name, value in self.figures.items():
            out.append(f"  {name:<58} {_text(value)}")
        for name, (found, required) in self.checks.items():
            verdict = "ok" if found == required else f"FAILED (must be {_text(required)})"
            out.append(f"  check: {name:<51} {_text(found):>10}  {verdict}")
        return out


def _text(value):
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
