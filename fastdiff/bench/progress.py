"""Progress of a sweep on the terminal: tqdm when installed, else one plain line.

Nothing is shown when stderr is not a terminal (logs and tests stay clean).
"""

from __future__ import annotations

import sys


class Progress:
    """Call with a description before each case; :meth:`close` at the end.

    Parameters
    ----------
    total : int
        Number of cases.
    enabled : bool
        False shows nothing. Also nothing when stderr is not a terminal.
    """

    def __init__(self, total: int, enabled: bool = True):
        self.total = total
        self.count = 0
        self.enabled = enabled and sys.stderr.isatty()
        self._bar = _tqdm_bar(total) if self.enabled else None

    def __call__(self, description: str) -> None:
        if not self.enabled:
            return
        if self._bar is not None:
            if self.count:
                self._bar.update(1)
            self._bar.set_postfix_str(description)
        else:
            sys.stderr.write(f"\r[{self.count + 1}/{self.total}] {description:<50}")
            sys.stderr.flush()
        self.count += 1

    def close(self) -> None:
        """Finish the bar (or the line)."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(self.total - self._bar.n)
            self._bar.close()
        else:
            sys.stderr.write("\n")


def _tqdm_bar(total: int):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="case", file=sys.stderr, leave=False)
