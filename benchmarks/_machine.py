"""The CPU model to print next to a timing (shared by the benchmark scripts here)."""
import platform


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (or platform.processor())."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"



def rst_list_table(caption, header, rows, footer):
    """A reStructuredText ``list-table`` (first row the header) followed by a paragraph:
    the ``.inc`` files the docs include (every cell already formatted as text)."""
    lines = [f".. list-table:: {caption}", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        lines += [f"   {'*' if i == 0 else ' '} - {cell}" for i, cell in enumerate(row)]
    return "\n".join(lines) + "\n\n" + footer + "\n"


def machine_note(meta):
    """"<CPU> (2 cores shared with other jobs; load average a at the start, b at the end)"
    from a run's ``meta`` dict (``cpu``, ``load_average_before``, ``load_average_after``)."""
    la, lb = meta["load_average_before"], meta["load_average_after"]
    return (f"{meta['cpu']} (2 cores shared with other jobs; load average {la[0]:.1f} at the "
            f"start, {lb[0]:.1f} at the end)")
